"""Databases and services for the persistence tests.

PostgreSQL and Redis must answer on loopback (scripts/setup_services.sh, which
scripts/test.sh runs, starts them). Every test database is created fresh under a unique name
and dropped afterwards; Redis keys use the lock store's own prefix and expire by themselves.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, List

import pytest
import sqlalchemy as sa

from core import database

POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
_names = itertools.count()


def pg_ready() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"]).returncode == 0


def _pg_version() -> str:
    return sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]


def _pg_ctl(action: str) -> None:
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", _pg_version(), "main", action]
    if action == "stop":
        command += ["-m", "fast"]
    subprocess.run(command, check=True, capture_output=True, timeout=60)


@contextmanager
def postgres_stopped() -> Iterator[None]:
    """PostgreSQL is down inside the block, and always started again afterwards."""
    _pg_ctl("stop")
    try:
        yield
    finally:
        if not pg_ready():
            _pg_ctl("start")
        deadline = time.time() + 30
        while not pg_ready() and time.time() < deadline:
            time.sleep(0.2)
        assert pg_ready(), "PostgreSQL did not come back"


def drop_database(url: str) -> None:
    database.dispose_engines()
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def redis_or_fail():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.RedisError:
        pytest.fail(f"Redis does not answer at {REDIS_URL}: run scripts/setup_services.sh")
    return client


@pytest.fixture(scope="session")
def services() -> None:
    if not pg_ready():
        pytest.fail("PostgreSQL does not answer on 127.0.0.1:5432: run scripts/setup_services.sh")
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError:
        pytest.fail(f"Redis does not answer at {REDIS_URL}: run scripts/setup_services.sh")


@pytest.fixture
def new_pg_url(services):
    """A factory of fresh PostgreSQL database URLs, all dropped after the test."""
    created: List[str] = []

    def make() -> str:
        url = f"{POSTGRES_SERVER}/screener_test_{os.getpid()}_{next(_names)}"
        drop_database(url)
        created.append(url)
        database.ensure_database(url)
        return url

    yield make
    for url in created:
        drop_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path: Path, monkeypatch) -> str:
    """The clinic's database (DATABASE_URL): a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'screener.db'}"
    else:
        url = request.getfixturevalue("new_pg_url")()
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    database.dispose_engines()


def table_rows(url: str, table: str, sender_id: str = None) -> List[dict]:
    """Rows of a table (of one sender), [] when the table does not exist."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(table):
                return []
            query = f"SELECT * FROM {table}"
            if sender_id is not None:
                query += " WHERE sender_id = :sender_id"
            return [dict(row) for row in connection.execute(sa.text(query), {"sender_id": sender_id}).mappings()]
    finally:
        engine.dispose()


def everything_about(url: str, sender_id: str) -> dict:
    """Every row stored about one runner, per table; plus screen items left without a screen."""
    found = {table: table_rows(url, table, sender_id) for table in ("events", "screens", "contact_requests")}
    screen_ids = {row["id"] for row in table_rows(url, "screens")}
    found["orphan screen_items"] = [row for row in table_rows(url, "screen_items") if row["screen_id"] not in screen_ids]
    return found
