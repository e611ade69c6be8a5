"""Alembic environment for the clinic's records (actions/records/schema.py drives it).

The database is the connection handed over in config.attributes["connection"] (how
actions.records.schema runs migrations), else DATABASE_URL or the SQLite default.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context

from actions.records.models import metadata
from actions.records.schema import VERSION_TABLE
from core.database import engine_for

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_migrations(connection)
        return
    with engine_for().connect() as connection:
        run_migrations(connection)


if context.is_offline_mode():
    raise SystemExit("Offline (SQL script) migrations are not supported; run them against the database.")
run_migrations_online()
