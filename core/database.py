"""The clinic's database: one SQL database for the conversations and the clinic's records.

The Rasa server keeps every conversation's events in it (Rasa's `events` table, through
bot/stores.py) and the action server keeps the clinic's records in it (screens and contact
requests, actions/records). Both servers find it the same way:

    DATABASE_URL   an SQLAlchemy URL, e.g. postgresql://user:password@db.example:5432/screener
                   (postgres:// is accepted too). Unset: the SQLite file .rasa/screener.db in
                   the project, created on first use - nothing to set up for a single server.
    SQL_POOL_SIZE, SQL_MAX_OVERFLOW   connection pool per process (PostgreSQL; 10 and 20).

This module has no Rasa import, so both servers (and the clinic's command line) can use it.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import URL, make_url

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = ROOT / ".rasa" / "screener.db"
URL_VARIABLE = "DATABASE_URL"

# Rasa's tracker table (rasa.core.tracker_store.SQLTrackerStore.SQLEvent).
EVENTS_TABLE = "events"
# The clinic's record tables (actions/records/models.py), children before parents.
RECORD_TABLES = ("contact_requests", "screen_items", "screens")


class DatabaseUnavailable(RuntimeError):
    """The clinic's database cannot be reached (it is down, or the URL is wrong)."""


def database_url(env: Optional[Mapping[str, str]] = None) -> str:
    """DATABASE_URL, or the default SQLite file."""
    env = os.environ if env is None else env
    url = (env.get(URL_VARIABLE) or "").strip()
    if not url:
        return f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if url.startswith("postgres://"):  # the form many hosting platforms hand out
        url = "postgresql://" + url[len("postgres://"):]
    return url


def display_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    try:
        return repr(make_url(url))
    except Exception:  # noqa: BLE001 - an unparsable URL: show nothing of it
        return "<unparsable database URL>"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def is_postgresql(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


_engines: Dict[str, Engine] = {}
_engines_lock = threading.Lock()


def _create_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # The Rasa server and the action server write to the same file: wait for each other
        # (timeout) and let readers go on while one writes (WAL).
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False},
                                  hide_parameters=True)

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - trivial
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    kwargs: Dict[str, Any] = dict(
        pool_pre_ping=True,  # a database restart must not break the next request
        pool_size=int(os.environ.get("SQL_POOL_SIZE", 10)),
        max_overflow=int(os.environ.get("SQL_MAX_OVERFLOW", 20)),
        hide_parameters=True,  # error messages must never carry a runner's answers or contact details
    )
    if parsed.get_backend_name() == "postgresql":
        kwargs["connect_args"] = {"connect_timeout": int(os.environ.get("SQL_CONNECT_TIMEOUT", 5))}
    return sa.create_engine(url, **kwargs)


def engine_for(url: Optional[str] = None) -> Engine:
    """The process's engine for `url` (default: database_url()), created once."""
    url = url or database_url()
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            ensure_database(url)
            engine = _engines[url] = _create_engine(url)
        return engine


def dispose_engines() -> None:
    with _engines_lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` if it does not exist yet.

    Convenient on a developer's machine and in CI; a managed database already exists, and a
    user without CREATEDB rights simply gets the connection error when it is first used.
    """
    parsed: URL = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return
    probe = sa.create_engine(parsed, poolclass=sa.pool.NullPool, hide_parameters=True,
                             connect_args={"connect_timeout": 5})
    try:
        with probe.connect():
            return
    except sa.exc.OperationalError as error:
        if "does not exist" not in str(error.orig):
            return  # unreachable: reported when the database is used
    finally:
        probe.dispose()
    admin = sa.create_engine(parsed.set(database="postgres"), poolclass=sa.pool.NullPool,
                             isolation_level="AUTOCOMMIT", hide_parameters=True,
                             connect_args={"connect_timeout": 5})
    exists = sa.text("SELECT 1 FROM pg_database WHERE datname = :name")
    try:
        with admin.connect() as connection:
            if connection.execute(exists, {"name": parsed.database}).scalar():
                return
            try:
                quoted = admin.dialect.identifier_preparer.quote(parsed.database)
                connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
                logger.info("Created the database %s", display_url(url))
            except sa.exc.DBAPIError:
                # Several servers starting together: another one is creating it right now.
                for _ in range(20):
                    if connection.execute(exists, {"name": parsed.database}).scalar():
                        return
                    time.sleep(0.25)
                raise
    except sa.exc.DBAPIError as error:
        logger.warning("Could not create the database %s (%s); it must be created by hand",
                       display_url(url), error.orig.__class__.__name__)
    finally:
        admin.dispose()


def wait_until_reachable(engine: Engine, timeout: float) -> None:
    """Connect, retrying for up to `timeout` seconds (a database may be starting too)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with engine.connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return
        except sa.exc.DBAPIError as error:
            if time.monotonic() >= deadline:
                raise DatabaseUnavailable(
                    f"The clinic's database {display_url(str(engine.url))} cannot be reached: "
                    f"{error.orig.__class__.__name__}: {str(error.orig).strip()}") from error
            logger.warning("Waiting for the database %s ...", display_url(str(engine.url)))
            time.sleep(2)


def has_table(connection: Connection, name: str) -> bool:
    return sa.inspect(connection).has_table(name)


def delete_runner_rows(connection: Connection, sender_id: str) -> Dict[str, int]:
    """Delete everything stored about one runner (conversation id `sender_id`).

    Runs in the caller's transaction; tables that do not exist yet are skipped. Returns the
    number of rows deleted per kind: screens, contact_requests, tracker_events.
    """
    counts = {"screens": 0, "contact_requests": 0, "tracker_events": 0}
    params = {"sender_id": sender_id}
    if has_table(connection, "contact_requests"):
        counts["contact_requests"] = connection.execute(
            sa.text("DELETE FROM contact_requests WHERE sender_id = :sender_id"), params).rowcount
    if has_table(connection, "screens"):
        connection.execute(sa.text(
            "DELETE FROM screen_items WHERE screen_id IN (SELECT id FROM screens WHERE sender_id = :sender_id)"),
            params)
        counts["screens"] = connection.execute(
            sa.text("DELETE FROM screens WHERE sender_id = :sender_id"), params).rowcount
    if has_table(connection, EVENTS_TABLE):
        counts["tracker_events"] = connection.execute(
            sa.text(f"DELETE FROM {EVENTS_TABLE} WHERE sender_id = :sender_id"), params).rowcount
    return counts


def idle_conversations_without_consent(connection: Connection, cutoff: float) -> List[str]:
    """Conversations whose last event is older than `cutoff` (a UNIX time) and whose runner
    never agreed to storage (slot store_consent last set to anything but true)."""
    if not has_table(connection, EVENTS_TABLE):
        return []
    idle = connection.execute(sa.text(
        f"SELECT sender_id FROM {EVENTS_TABLE} GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
        {"cutoff": cutoff}).scalars().all()
    out = []
    for sender_id in idle:
        latest = connection.execute(sa.text(
            f"SELECT data FROM {EVENTS_TABLE} WHERE sender_id = :sender_id AND type_name = 'slot' "
            "AND data LIKE :name ORDER BY id DESC LIMIT 1"),
            {"sender_id": sender_id, "name": '%"store_consent"%'}).scalar()
        consent = json.loads(latest).get("value") if latest else None
        if consent is not True:
            out.append(sender_id)
    return out


def last_event_time(connection: Connection, sender_id: str) -> Optional[float]:
    if not has_table(connection, EVENTS_TABLE):
        return None
    return connection.execute(sa.text(f"SELECT MAX(timestamp) FROM {EVENTS_TABLE} WHERE sender_id = :sender_id"),
                              {"sender_id": sender_id}).scalar()
