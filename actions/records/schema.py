"""The records' schema, kept by Alembic (migrations/ beside this file).

    upgrade(url, "head")     create or update the tables (what the action server does on first
                             use unless RECORDS_AUTO_MIGRATE=0, and `scripts/clinic.sh migrate`)
    downgrade(url, "base")   drop them again (`scripts/clinic.sh downgrade base`)
    current(url)             the revision the database is at (None: no records tables yet)

Several processes may start at once (two Rasa servers, the action server): on PostgreSQL a
transaction-level advisory lock and on SQLite a lock file make them migrate one at a time.

A schema change: edit models.py, then add a migration, e.g.
    .venv/bin/alembic -c actions/records/alembic.ini revision -m "what changes"
and write its upgrade() and downgrade() (tests/persistence/test_migrations.py checks that the
migrated schema matches models.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
from pathlib import Path
from typing import Iterator, Optional, Set

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.engine.url import make_url

from core import database

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
VERSION_TABLE = "records_schema_version"
AUTO_MIGRATE_VARIABLE = "RECORDS_AUTO_MIGRATE"
_ADVISORY_LOCK_KEY = 716_334_016  # any constant shared by every process of this app

_ready: Set[str] = set()
_ready_lock = threading.RLock()


def alembic_config() -> Config:
    config = Config(str(HERE / "alembic.ini"))
    config.set_main_option("script_location", str(HERE / "migrations"))
    config.attributes["configure_logging"] = False
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@contextlib.contextmanager
def _migration_connection(url: str) -> Iterator[Connection]:
    engine = database.engine_for(url)
    lock_file = None
    if database.is_sqlite(url):
        path = make_url(url).database
        if path and path != ":memory:":
            lock_file = open(f"{path}.migrate.lock", "w")  # noqa: SIM115 - released below
            fcntl.flock(lock_file, fcntl.LOCK_EX)
    try:
        with engine.begin() as connection:
            if database.is_postgresql(url):
                connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})
            yield connection
    finally:
        if lock_file is not None:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
            lock_file.close()


def current(url: Optional[str] = None) -> Optional[str]:
    with database.engine_for(url or database.database_url()).connect() as connection:
        return MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE}).get_current_revision()


def upgrade(url: Optional[str] = None, revision: str = "head") -> None:
    _migrate(command.upgrade, url, revision)


def downgrade(url: Optional[str] = None, revision: str = "base") -> None:
    _migrate(command.downgrade, url, revision)


def _migrate(alembic_command, url: Optional[str], revision: str) -> None:
    url = url or database.database_url()
    with _migration_connection(url) as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        alembic_command(config, revision)
    with _ready_lock:
        _ready.discard(url)


def ensure_schema(url: str) -> None:
    """Upgrade to head once per process and database, unless RECORDS_AUTO_MIGRATE=0."""
    if url in _ready:
        return
    with _ready_lock:
        if url in _ready:
            return
        if os.environ.get(AUTO_MIGRATE_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off"):
            if current(url) != head_revision():
                logger.info("Upgrading the records schema in %s", database.display_url(url))
                upgrade(url)
        _ready.add(url)
