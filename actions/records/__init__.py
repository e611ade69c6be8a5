"""The clinic's records: finished screens and contact requests, with the runner's consent.

API for the actions (the lead's consent and booking actions call these):

    save_screen(sender_id, summary) -> int           the clinician's summary dict (screen_summary)
    save_contact_request(sender_id, name, email, phone, preferred_times) -> int
    forget_runner(sender_id) -> dict                 screens, contact requests AND the
                                                     conversation's events, everywhere
    validate_email(text) -> Optional[str]            normalised, or None
    validate_phone(text) -> Optional[str]            normalised, or None

Errors: RecordsUnavailable (database down: nothing was written), InvalidRecord (what is
wrong, never the value). The database is the tracker store's: DATABASE_URL, or the SQLite
default .rasa/screener.db (core/database.py); the tables are created or upgraded on first
use (Alembic, migrations/; RECORDS_AUTO_MIGRATE=0 turns that off). The clinic's command
line is `python -m actions.records` (scripts/clinic.sh).

An action may call forget_runner in the middle of the runner's own conversation: the
tracker store notices that the conversation it read is gone and does not write it back.
"""

from core import privacy

privacy.install()  # contact details never reach the action server's logs

from actions.records.store import (  # noqa: E402
    InvalidRecord,
    RecordsError,
    RecordsUnavailable,
    forget_runner,
    save_contact_request,
    save_screen,
)
from actions.records.validation import validate_email, validate_phone  # noqa: E402

__all__ = [
    "save_screen", "save_contact_request", "forget_runner", "validate_email", "validate_phone",
    "RecordsError", "RecordsUnavailable", "InvalidRecord",
]
