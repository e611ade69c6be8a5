"""The logs keep no runner's words or contact details (deploy/logging.yml, bot/logmask.py).

Rasa 3.6.21 puts what a runner said into lines it logs at INFO and above when something goes
wrong: its structured lines (`rest.message.received.failure text=...`,
`facebook.message.cannot.handle message=...`), the HTTP API's errors (a rejected event is
printed whole) and exception messages. Here those lines are logged through Rasa's own logging
set-up with the project's configuration file, once as to a file (JSON lines) and once as to a
terminal (`key=value`, coloured), and then through a real Rasa server and action server started
by tests/servers.py the way every script starts them.
"""

from __future__ import annotations

import io
import json
import logging
import logging.config
import re
import subprocess
import sys
import urllib.error
from pathlib import Path

import pytest

from bot import logmask

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PHONE = "jane.runner@example.com", "+1 555 014 2000"
WORDS = "my left knee aches after long hill runs"
MESSAGE = f"{WORDS}, email me at {EMAIL} or call {PHONE}"
# what must not be in a log, in any spelling the libraries print it in
SECRETS = (WORDS, "knee aches", "hill runs", EMAIL, "jane.runner", PHONE, "555 014", "014 2000", "5550142000")


def secrets_in(text: str) -> list:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def rasa_logs_a_failed_turn(terminal: bool) -> str:
    """What Rasa logs at INFO and above when a turn carrying MESSAGE goes wrong, with logging set up
    as `rasa run --logging-config-file deploy/logging.yml` sets it up (rasa/__main__.py), writing
    to a file or a terminal. It changes the process's logging for good: the test runs it in a
    process of its own, without core/privacy.py's record factory, so the filter alone is tested."""
    import sanic.log
    import structlog
    from rasa.server import ErrorResponse, validate_events_in_request_body
    from rasa.utils.common import configure_logging_and_warnings, update_sanic_log_level
    from rasa.utils.io import configure_colored_logging
    from rasa.utils.log_utils import configure_structlog

    sys.stderr = written = Terminal() if terminal else io.StringIO()
    configure_logging_and_warnings(None, str(logmask.CONFIG))
    configure_colored_logging(None)
    configure_structlog(None)

    structlogger = structlog.get_logger()
    text = MESSAGE  # a local of the frame that fails, as in Rasa's channel
    try:
        raise ValueError(f"could not read {text!r}")
    except ValueError:
        structlogger.exception("rest.message.received.failure", text=text)  # rasa/core/channels/rest.py
    structlogger.warning("facebook.message.cannot.handle",  # rasa/core/channels/facebook.py
                         message={"mid": "m.1", "text": MESSAGE, "attachments": [{"type": "fallback"}]})

    class Request:  # an integration appends the runner's message with a field Rasa rejects
        json = [{"event": "user", "text": MESSAGE, "parse_data": "not a dict"}]

    try:
        validate_events_in_request_body(Request())
    except ErrorResponse:
        pass

    # Sanic's error logger keeps its records to its own handlers (set up as the Rasa server's
    # Sanic app sets them up), not the root's
    streams_to_stderr = json.dumps(sanic.log.LOGGING_CONFIG_DEFAULTS, default=lambda _: "ext://sys.stderr")
    logging.config.dictConfig(json.loads(streams_to_stderr))
    update_sanic_log_level()
    try:
        raise KeyError(MESSAGE)
    except KeyError:
        sanic.log.error_logger.exception("Exception occurred while handling uri: 'http://127.0.0.1/webhooks/rest'")
    return written.getvalue()


@pytest.mark.parametrize("terminal", [False, True], ids=["to a file", "to a terminal"])
def test_rasas_lines_about_a_runners_message_keep_none_of_its_words_or_contact_details(terminal):
    code = f"from tests.test_log_masking import rasa_logs_a_failed_turn as logs; print(logs({terminal}))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    log = re.sub(r"\x1b\[[0-9;]*m", "", out.stdout)
    for line in ("rest.message.received.failure", "facebook.message.cannot.handle",
                 "Failed to validate the events format", "Exception occurred while handling uri", "Traceback"):
        assert line in log, line  # every line was written...
    assert not secrets_in(log), log  # ...without the runner's words or contact details
    assert logmask.TEXT_MASK in log


@pytest.mark.parametrize("line", [
    "Starting Rasa server on http://127.0.0.1:5005",
    "Loading model /work/main/models/screener-d852ba4fdc17.tar.gz...",
    "Predicted next action 'action_welcome' with confidence 1.00.",
    "Starting a new session for conversation ID 'rest:probe-1'.",
    "Couldn't load metadata for policy 'TEDPolicy' as the persisted one isn't there",
    "Registered function for 'action_show_result'.",
    "Saved screen 12 (triage gait_analysis, 5 items)",
    '{"event": "processor.message.parse", "parse_data_intent": {"name": "greet"}, "level": "debug"}',
])
def test_ordinary_log_lines_are_left_alone(line):
    assert logmask.mask(line) == line


def test_every_field_rasas_own_log_anonymizer_names_is_masked():
    import inspect

    from rasa.utils import log_utils

    source = inspect.getsource(log_utils._anonymizer)
    named = set(re.findall(r'"(\w+)",', source[source.index("anonymizable_keys"):]))
    assert len(named) > 20 and named <= logmask.RUNNER_FIELDS, named - logmask.RUNNER_FIELDS


def test_both_servers_and_the_shell_start_with_the_logging_configuration(monkeypatch):
    import rasa_sdk.__main__

    from actions import serve

    started = []
    monkeypatch.delenv("SANIC_HOST", raising=False)  # actions.serve sets it
    monkeypatch.setattr(rasa_sdk.__main__, "main_from_args", started.append)
    serve.main(["--port", "5055"])
    assert started[0].logging_config_file == str(logmask.CONFIG)
    serve.main(["--port", "5055", "--logging-config_file", "mine.yml"])
    assert started[1].logging_config_file == "mine.yml"
    # bot/launch.py (bot/channels/stack.py, tests/servers.py and serve.sh start Rasa through it):
    # `run` and `shell` get it, other commands don't
    code = ("import sys; import rasa.__main__ as rm; rm.main = lambda: print(sys.argv[1:]);"
            "import bot.launch as launch;"
            "sys.argv = ['bot.launch', 'run', '--model', 'm']; launch.main();"
            "sys.argv = ['bot.launch', '--version']; launch.main()")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    with_config = ["run", "--model", "m", "--logging-config-file", str(logmask.CONFIG)]
    assert out.stdout.splitlines()[-2:] == [str(with_config), "['--version']"]
    assert "--logging-config-file deploy/logging.yml" in (ROOT / "scripts" / "run.sh").read_text()


@pytest.mark.model
@pytest.mark.servers
def test_a_real_rasa_server_logs_none_of_a_runners_words_or_contact_details(default_servers):
    bot = default_servers  # tests/conftest.py: its logs hold every other test's conversations too
    bot.say("log-runner", "hi")
    bot.say("log-runner", MESSAGE)  # handled: noted, and the welcome again
    with pytest.raises(urllib.error.HTTPError):  # rejected: Rasa logs the event it could not read
        bot.append_events("log-runner", [{"event": "user", "text": MESSAGE, "parse_data": "not a dict"}])
    rasa_log, actions_log = (bot.workdir / "rasa.log").read_text(), (bot.workdir / "actions.log").read_text()
    assert "Failed to validate the events format" in rasa_log  # the line is there...
    assert not secrets_in(rasa_log) and not secrets_in(actions_log)  # ...without the message
    assert logmask.TEXT_MASK in rasa_log
