"""The records' Alembic migrations: from empty to head creates the tables models.py describes,
and downgrading removes them again; on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from actions.records import cli, schema
from actions.records.models import metadata
from core import database

RECORD_TABLES = {"screens", "screen_items", "contact_requests"}


def tables(url: str) -> set:
    with database.engine_for(url).connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def test_upgrade_from_empty_creates_the_tables_and_downgrade_removes_them(db_url):
    assert tables(db_url) == set() and schema.current(db_url) is None
    schema.upgrade(db_url)
    assert RECORD_TABLES | {schema.VERSION_TABLE} <= tables(db_url)
    assert schema.current(db_url) == schema.head_revision()
    with database.engine_for(db_url).connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), metadata)
    assert [d for d in differences if d[0] != "remove_table"] == [], differences
    schema.downgrade(db_url, "base")
    assert tables(db_url) & RECORD_TABLES == set() and schema.current(db_url) is None
    schema.upgrade(db_url)  # and up again
    assert RECORD_TABLES <= tables(db_url)


def test_upgrading_twice_changes_nothing(db_url):
    schema.upgrade(db_url)
    schema.upgrade(db_url)
    assert schema.current(db_url) == schema.head_revision()


def test_the_clinic_command_migrates(db_url, capsys):
    assert cli.main(["current"]) == 0
    assert "base" in capsys.readouterr().out
    assert cli.main(["migrate"]) == 0
    assert schema.head_revision() in capsys.readouterr().out
    assert cli.main(["downgrade", "base"]) == 0
    assert tables(db_url) & RECORD_TABLES == set()
