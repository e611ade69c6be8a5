"""Writing, reading and deleting the clinic's records.

Every write is one transaction: a screen with all its items, or nothing. When the database
cannot be reached the caller gets RecordsUnavailable (nothing was written); invalid input
gets InvalidRecord. Neither message, nor any log line here, carries contact details or
answers (the engine hides SQL parameters too).
"""

from __future__ import annotations

import contextlib
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterator, List, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from actions.records import schema
from actions.records.models import contact_requests, screen_items, screens
from actions.records.validation import validate_email, validate_phone
from core import database

logger = logging.getLogger(__name__)

MAX_NAME = 200
MAX_PREFERRED_TIMES = 500


class RecordsError(RuntimeError):
    """A record could not be written or read."""


class RecordsUnavailable(RecordsError):
    """The records database cannot be reached; nothing was written."""


class InvalidRecord(RecordsError, ValueError):
    """The record is incomplete or malformed (the message says what, never the value)."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: Optional[datetime]) -> Optional[datetime]:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)  # SQLite hands back naive UTC
    return value


def _parse_time(value: Any) -> Optional[datetime]:
    if isinstance(value, datetime):
        return _aware(value)
    if isinstance(value, str) and value:
        try:
            return _aware(datetime.fromisoformat(value.replace("Z", "+00:00"))).astimezone(timezone.utc)
        except ValueError:
            return None
    return None


@contextlib.contextmanager
def transaction(doing: str, url: Optional[str] = None) -> Iterator[Connection]:
    """One transaction on the records database; DB failures become RecordsError."""
    url = url or database.database_url()
    try:
        engine = database.engine_for(url)
        schema.ensure_schema(url)
        with engine.begin() as connection:
            yield connection
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as error:
        raise RecordsUnavailable(
            f"The clinic's records database ({database.display_url(url)}) cannot be reached, so nothing was "
            f"done ({doing}): {error.orig.__class__.__name__}") from error
    except sa.exc.DBAPIError as error:
        if error.connection_invalidated:
            raise RecordsUnavailable(
                f"The connection to the clinic's records database ({database.display_url(url)}) was lost, so "
                f"nothing was done ({doing})") from error
        raise RecordsError(f"Could not {doing}: {error.orig.__class__.__name__}; nothing was written") from error


# ---------------------------------------------------------------------------------- writing
def _summary_items(summary: Dict[str, Any]) -> List[Dict[str, Any]]:
    items = []
    for kind, key in (("red_flag", "red_flags"), ("finding", "findings"), ("strength", "strength")):
        for position, item in enumerate(summary.get(key) or []):
            item_id = item.get("id") if isinstance(item, dict) else item
            rule_id = item.get("rule_id") if isinstance(item, dict) else None
            if item_id:
                items.append({"kind": kind, "position": position, "item_id": str(item_id)[:64],
                              "rule_id": str(rule_id)[:128] if rule_id else None})
    return items


def save_screen(sender_id: str, summary: Dict[str, Any]) -> int:
    """Store a finished screen (the clinician's summary dict); return its id."""
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise InvalidRecord("a screen needs the conversation's sender id")
    if not isinstance(summary, dict) or not summary.get("triage"):
        raise InvalidRecord("the summary has no triage: is it the clinician's summary?")
    document = json.loads(json.dumps(summary, default=str))  # a JSON-safe copy
    now = utcnow()
    row = {
        "sender_id": sender_id,
        "screened_at": _parse_time(summary.get("screened_at")) or now,
        "created_at": now,
        "triage": str(summary["triage"])[:32],
        "strong_recommendation": bool(summary.get("strong_recommendation")),
        "kb_version": str(summary["kb_version"])[:64] if summary.get("kb_version") is not None else None,
        "summary": document,
    }
    items = _summary_items(summary)
    with transaction("save the screen") as connection:
        screen_id = connection.execute(screens.insert().values(**row)).inserted_primary_key[0]
        if items:
            connection.execute(screen_items.insert(), [{"screen_id": screen_id, **item} for item in items])
    logger.info("Saved screen %s (triage %s, %d items)", screen_id, row["triage"], len(items))
    return int(screen_id)


def save_contact_request(sender_id: str, name: str, email: Optional[str], phone: Optional[str],
                         preferred_times: str) -> int:
    """Store a runner's request to be contacted; return its id.

    `email` and `phone` are validated (validate_email, validate_phone) and stored normalised;
    at least one is needed. The request is linked to the runner's latest screen, if any.
    """
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise InvalidRecord("a contact request needs the conversation's sender id")
    name = " ".join(str(name or "").split())
    if not name:
        raise InvalidRecord("a contact request needs the runner's name")
    if len(name) > MAX_NAME:
        raise InvalidRecord(f"the name is longer than {MAX_NAME} characters")
    clean_email = validate_email(email) if email else None
    if email and not clean_email:
        raise InvalidRecord("the email address is not valid")
    clean_phone = validate_phone(phone) if phone else None
    if phone and not clean_phone:
        raise InvalidRecord("the phone number is not valid")
    if not clean_email and not clean_phone:
        raise InvalidRecord("a contact request needs an email address or a phone number")
    times = " ".join(str(preferred_times or "").split())
    if len(times) > MAX_PREFERRED_TIMES:
        raise InvalidRecord(f"the preferred times are longer than {MAX_PREFERRED_TIMES} characters")
    with transaction("save the contact request") as connection:
        screen_id = connection.execute(
            sa.select(sa.func.max(screens.c.id)).where(screens.c.sender_id == sender_id)).scalar()
        request_id = connection.execute(contact_requests.insert().values(
            sender_id=sender_id, screen_id=screen_id, created_at=utcnow(), name=name,
            email=clean_email, phone=clean_phone, preferred_times=times,
        )).inserted_primary_key[0]
    logger.info("Saved contact request %s (screen %s)", request_id, screen_id)
    return int(request_id)


def forget_runner(sender_id: str) -> Dict[str, int]:
    """Delete everything about one runner: screens, contact requests and conversation events.

    Returns the number of rows deleted per kind: screens, contact_requests, tracker_events.
    """
    if not isinstance(sender_id, str) or not sender_id:
        raise InvalidRecord("which runner? (a sender id is needed)")
    with transaction("delete the runner's data") as connection:
        counts = database.delete_runner_rows(connection, sender_id)
    logger.info("Deleted a runner's data on request: %s", ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return counts


# ---------------------------------------------------------------------------------- reading
def _screen_row(row: Any, contact: Optional[Any] = None) -> Dict[str, Any]:
    summary = row.summary if isinstance(row.summary, dict) else json.loads(row.summary or "{}")
    return {
        "screen_id": row.id,
        "sender_id": row.sender_id,
        "screened_at": _aware(row.screened_at),
        "created_at": _aware(row.created_at),
        "triage": row.triage,
        "strong_recommendation": bool(row.strong_recommendation),
        "kb_version": row.kb_version,
        "summary": summary,
    }


def _contact_row(row: Any) -> Dict[str, Any]:
    return {"contact_request_id": row.id, "sender_id": row.sender_id, "screen_id": row.screen_id,
            "created_at": _aware(row.created_at), "name": row.name, "email": row.email, "phone": row.phone,
            "preferred_times": row.preferred_times}


def list_screens(since: Optional[datetime] = None, until: Optional[datetime] = None,
                 triage: Optional[str] = None, sender_id: Optional[str] = None,
                 limit: Optional[int] = None) -> List[Dict[str, Any]]:
    """Screens, newest first, each with its contact requests (key `contact_requests`)."""
    query = sa.select(screens).order_by(screens.c.id.desc())
    if since:
        query = query.where(screens.c.screened_at >= since)
    if until:
        query = query.where(screens.c.screened_at < until)
    if triage:
        query = query.where(screens.c.triage == triage)
    if sender_id:
        query = query.where(screens.c.sender_id == sender_id)
    if limit:
        query = query.limit(limit)
    with transaction("read the screens") as connection:
        rows = [_screen_row(row) for row in connection.execute(query)]
        ids = [row["screen_id"] for row in rows]
        contacts: Dict[int, List[Dict[str, Any]]] = {}
        if ids:
            for row in connection.execute(sa.select(contact_requests).where(contact_requests.c.screen_id.in_(ids))
                                          .order_by(contact_requests.c.id)):
                contacts.setdefault(row.screen_id, []).append(_contact_row(row))
    for row in rows:
        row["contact_requests"] = contacts.get(row["screen_id"], [])
    return rows


def get_screen(screen_id: int) -> Optional[Dict[str, Any]]:
    with transaction("read the screen") as connection:
        row = connection.execute(sa.select(screens).where(screens.c.id == screen_id)).first()
        if row is None:
            return None
        screen = _screen_row(row)
        screen["contact_requests"] = [_contact_row(r) for r in connection.execute(
            sa.select(contact_requests).where(contact_requests.c.screen_id == screen_id)
            .order_by(contact_requests.c.id))]
    return screen


def list_contact_requests(since: Optional[datetime] = None) -> List[Dict[str, Any]]:
    query = sa.select(contact_requests).order_by(contact_requests.c.id.desc())
    if since:
        query = query.where(contact_requests.c.created_at >= since)
    with transaction("read the contact requests") as connection:
        return [_contact_row(row) for row in connection.execute(query)]


def senders_with_contact(email: Optional[str] = None, phone: Optional[str] = None) -> List[str]:
    """The sender ids whose contact requests carry this email address or phone number."""
    conditions = []
    if email:
        conditions.append(contact_requests.c.email == (validate_email(email) or email.strip()))
    if phone:
        conditions.append(contact_requests.c.phone == (validate_phone(phone) or phone.strip()))
    if not conditions:
        return []
    with transaction("look up the runner") as connection:
        return sorted({row.sender_id for row in connection.execute(
            sa.select(contact_requests.c.sender_id).where(sa.or_(*conditions)))})


# ---------------------------------------------------------------------------------- retention
def purge(older_than_days: int, dry_run: bool = False, now: Optional[datetime] = None) -> Dict[str, int]:
    """Delete records saved more than `older_than_days` ago, and conversations that ended then.

    A conversation is deleted whole (all its events) once its last event is older than the
    cutoff, never cut in half. Returns counts per kind; with dry_run nothing is deleted.
    """
    if not isinstance(older_than_days, int) or older_than_days < 1:
        raise InvalidRecord("retention_days must be a whole number of days, 1 or more")
    cutoff = (now or utcnow()) - timedelta(days=older_than_days)
    counts = {"screens": 0, "contact_requests": 0, "conversations": 0, "tracker_events": 0}
    with transaction("purge old records") as connection:
        old_screens = sa.select(screens.c.id).where(screens.c.created_at < cutoff)
        old_contacts = contact_requests.c.created_at < cutoff
        counts["screens"] = connection.execute(
            sa.select(sa.func.count()).select_from(old_screens.subquery())).scalar()
        counts["contact_requests"] = connection.execute(
            sa.select(sa.func.count()).select_from(contact_requests).where(old_contacts)).scalar()
        old_conversations: List[str] = []
        if database.has_table(connection, database.EVENTS_TABLE):
            events = sa.table(database.EVENTS_TABLE, sa.column("sender_id"), sa.column("timestamp"))
            old_conversations = [row.sender_id for row in connection.execute(
                sa.select(events.c.sender_id).group_by(events.c.sender_id)
                .having(sa.func.max(events.c.timestamp) < cutoff.timestamp()))]
            counts["conversations"] = len(old_conversations)
            if old_conversations:
                counts["tracker_events"] = connection.execute(
                    sa.select(sa.func.count()).select_from(events)
                    .where(events.c.sender_id.in_(old_conversations))).scalar()
        if not dry_run:
            connection.execute(contact_requests.delete().where(old_contacts))
            connection.execute(screen_items.delete().where(screen_items.c.screen_id.in_(old_screens)))
            connection.execute(screens.delete().where(screens.c.created_at < cutoff))
            if old_conversations:
                events = sa.table(database.EVENTS_TABLE, sa.column("sender_id"))
                for start in range(0, len(old_conversations), 500):
                    connection.execute(events.delete().where(
                        events.c.sender_id.in_(old_conversations[start:start + 500])))
    if not dry_run:
        logger.info("Purged records older than %d days: %s", older_than_days,
                    ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    return counts
