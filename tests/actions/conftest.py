import pytest


@pytest.fixture(autouse=True)
def records_database(tmp_path, monkeypatch):
    """Each test keeps the clinic's records in its own SQLite file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'records.db'}")
    yield tmp_path / "records.db"
