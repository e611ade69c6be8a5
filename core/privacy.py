"""Keep runners' contact details out of the logs.

Our own code never logs a name, an email address or a phone number. Rasa may still put a
runner's message into a log line (for example "rest.message.received.failure text=..." when
a message fails, or everything at DEBUG level). `install()` adds a log-record factory that
masks email addresses and phone numbers in every record's message and traceback before any
handler sees it. Both servers install it: the Rasa server through bot/stores.py, the action
server through actions/records.

No Rasa import here.
"""

from __future__ import annotations

import logging
import re
import traceback

EMAIL_MASK = "[email]"
PHONE_MASK = "[phone]"

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# A run of digits with the usual separators, optionally +, not glued to a word, a decimal
# point, a path or a port. 7 to 15 digits (E.164), and not an ISO date.
PHONE = re.compile(r"(?<![\w.:/@\-+])\+?\(?\d[\d ()\-]{4,24}\d(?![\w.:/@\-])")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

_installed = False


def _mask_phone(match: "re.Match[str]") -> str:
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if not 7 <= digits <= 15 or ISO_DATE.fullmatch(text.strip()):
        return text
    return PHONE_MASK


def redact(text: str) -> str:
    """`text` with email addresses and phone numbers masked."""
    if not text:
        return text
    text = EMAIL.sub(EMAIL_MASK, text)
    return PHONE.sub(_mask_phone, text)


def _redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: leave it to logging
        return
    masked = redact(message)
    if masked != message:
        record.msg, record.args = masked, None
    if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
        text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        masked = redact(text)
        if masked != text:
            record.exc_text = masked


def install() -> None:
    """Mask contact details in every log record of this process (idempotent)."""
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
