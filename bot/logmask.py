"""Keep runners' words and contact details out of the logs: the filter deploy/logging.yml sets up.

Both servers start with deploy/logging.yml: bot/launch.py hands it to Rasa
(`--logging-config-file`), actions/serve.py to the action server (`--logging-config_file`),
unless the command line names another file. It puts `MaskRunnerText` on the handler every
record goes through, and on Sanic's loggers, which keep their records to themselves. Each
record is masked before it is written:

* email addresses and phone numbers, anywhere, tracebacks included (core/privacy.py's
  patterns);
* the fields in which Rasa's structured log lines carry what a runner said or what the bot
  knows of them (`text`, `parse_data_text`, `slot_values`, `rasa_events`, ...: RUNNER_FIELDS,
  the fields Rasa's own log anonymizer names), whether the line is JSON (output to a file or
  a pipe) or `key=value` (a terminal; there the rest of the line goes too, as its values are
  not quoted);
* the values of a traceback's local variables, which Rasa's JSON lines include;
* quoted text with a space in it (`'my left knee aches'`) in any other line and in an
  exception's message: what Rasa, rasa_sdk and Python quote is either an identifier (an
  action, a slot, a conversation id: no space) or somebody's words.

On a normal turn Rasa 3.6.21 and rasa_sdk 3.6.2 log nothing a runner said at INFO; the lines
that can are warnings, errors and tracebacks (`rest.message.received.failure text=...`,
`facebook.message.cannot.handle message=...`). DEBUG prints parsed messages, slot values and
whole trackers: those fields are masked too, but a single word in a slot's printout is not,
and DEBUG is not for production (docs/channels.md, "What each channel keeps").

No Rasa import: the action server uses it too.
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from pathlib import Path
from typing import Any, List, Sequence

from core.privacy import redact

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "logging.yml"
TEXT_MASK = "[text]"

# rasa/utils/log_utils.py, `_anonymizer` (Rasa 3.6.21): the structured-log fields that can hold a
# runner's words, the slots or the events (tests/test_log_masking.py checks they are all here).
RUNNER_FIELDS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text", "parse_data_entities",
    "prediction_events", "tracker_latest_message", "prefilled_slots", "message", "response",
    "slot_candidates", "rasa_event", "rasa_events", "tracker_states", "current_states", "old_states",
    "successes", "current_entity", "next_entity", "states", "entity", "token_text", "user_message",
    "json_message",
})

_ANSI = r"(?:\x1b\[[0-9;]*m)*"  # colour codes around a key in a terminal
_CONSOLE_FIELD = re.compile(
    rf"(?<![\w.]){_ANSI}({'|'.join(sorted(RUNNER_FIELDS, key=len, reverse=True))}){_ANSI}=")
_TRACEBACK = "\nTraceback (most recent call last):"
# A quoted stretch with a space in it, opened where a value starts (after a space, a bracket, `=`,
# `,` or `:`); an apostrophe inside a word ("I've") does not end it.
_OPENS = r"(?<![^\s(\[{=,:])"
_SINGLE = r"(?:[^'\n]|'(?=\w))"
_QUOTED = re.compile(rf"""{_OPENS}'{_SINGLE}*[ \t]{_SINGLE}*'(?!\w)|{_OPENS}"[^"\n]*[ \t][^"\n]*"(?!\w)""")


def _mask_quoted(text: str) -> str:
    return _QUOTED.sub(lambda match: f"{match.group(0)[0]}{TEXT_MASK}{match.group(0)[0]}", text)


def mask_traceback(text: str) -> str:
    """A traceback with contact details masked everywhere and quoted words in its exception
    messages (the lines that are not indented; frames and code lines are)."""
    lines = [line if line[:1].isspace() else _mask_quoted(line) for line in text.split("\n")]
    return redact("\n".join(lines))


def _mask_json(fields: dict) -> str:
    for key in RUNNER_FIELDS & fields.keys():
        fields[key] = TEXT_MASK
    for exception in fields.get("exception") or []:  # structlog's dict_tracebacks, with each frame's locals
        if not isinstance(exception, dict):
            continue
        if isinstance(exception.get("exc_value"), str):
            exception["exc_value"] = _mask_quoted(exception["exc_value"])
        for frame in exception.get("frames") or []:
            if isinstance(frame, dict) and isinstance(frame.get("locals"), dict):
                frame["locals"] = {name: TEXT_MASK for name in frame["locals"]}
    return json.dumps(fields)


def mask(message: str) -> str:
    """One log message with runners' words and contact details masked."""
    stripped = message.strip()
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            fields: Any = json.loads(stripped)
        except ValueError:
            fields = None
        if isinstance(fields, dict):
            return redact(_mask_json(fields))
    head, found, tail = message.partition(_TRACEBACK)
    field = _CONSOLE_FIELD.search(head)
    if field:
        head = f"{head[:field.start()]}{field.group(1)}={TEXT_MASK}"
    else:
        head = _mask_quoted(head)
    return redact(head) + (mask_traceback(found + tail) if found else "")


class MaskRunnerText(logging.Filter):
    """Masks runners' words and contact details in every record it sees; drops none."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string: logging reports it itself
            return True
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        if record.exc_text:
            record.exc_text = mask_traceback(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def with_config(argv: Sequence[str], option: str) -> List[str]:
    """`argv` with `option CONFIG` added, unless it names a logging configuration file already."""
    if any(arg.startswith("--logging-config") for arg in argv):
        return list(argv)
    return [*argv, option, str(CONFIG)]
