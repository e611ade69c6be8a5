"""Nothing kept without consent; with it, the screen and contact requests reach the records."""

import pytest
import sqlalchemy as sa

from actions import slots as s
from actions.booking import ActionBooking
from actions.contact_form import ActionSaveContact, ValidateContactForm, read_name, read_reach
from actions.show_result import ActionShowResult
from actions.stop_screen import ActionStopScreen
from tests.actions.helpers import ALL_CLEAR, responses, run, slot_sets, tracker
from tests.actions.test_actions import ALL_CLEAR_SELF_CARE, FULL_GAIT_ANALYSIS


def rows(db, table):
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table(table):
            return []
        return connection.execute(sa.text(f"SELECT * FROM {table}")).mappings().all()


def test_with_consent_the_finished_screen_is_saved_for_the_clinic(records_database):
    events, messages = run(ActionShowResult(), tracker(FULL_GAIT_ANALYSIS, active_loop=None))
    assert slot_sets(events)[s.SCREEN_SAVED] is True
    assert "utter_screen_kept" in responses(messages)
    (screen,) = rows(records_database, "screens")
    assert screen["sender_id"] == "test-runner" and screen["triage"] == "gait_analysis"


def test_without_consent_nothing_is_saved_and_the_result_stays_while_the_runner_talks(records_database):
    events, messages = run(ActionShowResult(), tracker({**ALL_CLEAR_SELF_CARE, s.STORE_CONSENT: False},
                                                       active_loop=None))
    assert s.SCREEN_CLOSED not in slot_sets(events)  # deleted on goodbye, stop or idle time
    assert slot_sets(events)[s.TRIAGE] == "self_care"
    assert "utter_nothing_kept" in responses(messages)
    assert rows(records_database, "screens") == []


def test_a_red_flag_stop_without_a_storage_answer_keeps_nothing_and_never_says_as_you_asked(records_database):
    events, messages = run(ActionShowResult(), tracker({s.RF_EMERGENCY: ["chest_symptoms"]}, active_loop=None))
    assert "utter_nothing_kept_unasked" in responses(messages)
    assert "utter_nothing_kept" not in responses(messages)
    assert rows(records_database, "screens") == []


@pytest.mark.parametrize("consent, closed", [(None, True), (False, True), (True, None)])
def test_stopping_closes_the_conversation_unless_the_runner_agreed_to_keep_it(consent, closed):
    events, _ = run(ActionStopScreen(), tracker({**ALL_CLEAR, s.STORE_CONSENT: consent}, intent="stop"))
    assert slot_sets(events).get(s.SCREEN_CLOSED) is closed


def test_booking_gives_the_link_and_offers_contact():
    _, messages = run(ActionBooking(), tracker(intent="book_gait_analysis", active_loop=None))
    assert responses(messages) == ["utter_booking", "utter_offer_contact"]


@pytest.mark.parametrize("text, expected", [
    ("Sam Lee", "Sam Lee"), ("my name is Priya", "Priya"), ("it's Jo.", "Jo"), ("12345", None), ("", None),
])
def test_reading_a_name(text, expected):
    assert read_name(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("sam@example.com", "sam@example.com"),
    ("you can email me at Sam.Lee@Example.COM thanks", "Sam.Lee@example.com"),
    ("+1 555 0100 123", "+15550100123"),
    ("call me on (555) 014-2000", "5550142000"),
    ("sam at example dot com", None),
    ("12", None),
])
def test_reading_an_email_or_phone(text, expected):
    assert read_reach(text) == expected


def test_a_bad_email_gets_a_clear_reask():
    events, messages = run(ValidateContactForm(), tracker(
        intent="inform", text="sam@", requested_slot=s.CONTACT_REACH, active_loop="contact_form"))
    assert slot_sets(events) == {s.CONTACT_REACH: None}
    assert responses(messages) == ["utter_invalid_contact_reach"]


def test_stop_in_the_contact_form_is_not_taken_as_a_name():
    events, _ = run(ValidateContactForm(), tracker(
        intent="stop", text="stop", requested_slot=s.CONTACT_NAME, active_loop="contact_form"))
    assert events == []


def test_saving_a_contact_request_stores_it_with_the_screen(records_database):
    slots = {**FULL_GAIT_ANALYSIS, s.STORE_CONSENT: None, s.TRIAGE: "gait_analysis",
             s.SCREEN_SUMMARY: {"triage": "gait_analysis", "findings": []},
             s.CONTACT_NAME: "Sam Lee", s.CONTACT_REACH: "sam@example.com", s.CONTACT_TIMES: "weekday mornings"}
    events, messages = run(ActionSaveContact(), tracker(slots, active_loop=None))
    assert slot_sets(events)[s.STORE_CONSENT] is True
    assert responses(messages) == ["utter_contact_saved"]
    (request,) = rows(records_database, "contact_requests")
    assert request["email"] == "sam@example.com" and request["phone"] is None
    assert len(rows(records_database, "screens")) == 1


def test_a_database_failure_is_said_plainly_and_no_contact_is_half_saved(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere")
    slots = {s.CONTACT_NAME: "Sam", s.CONTACT_REACH: "+15550100", s.CONTACT_TIMES: "any time",
             s.SCREEN_SUMMARY: {"triage": "self_care"}}
    _, messages = run(ActionSaveContact(), tracker(slots, active_loop=None))
    assert responses(messages) == ["utter_records_unavailable"]


def test_a_first_message_misread_as_stop_gets_the_welcome_not_a_stopped_screen():
    from actions.stop_screen import ActionStopScreen
    from tests.actions.helpers import responses, run, tracker

    _, messages = run(ActionStopScreen(), tracker(intent="stop", text="Evening! Thought I'd give this a go",
                                                  active_loop=None))
    assert "utter_screen_stopped" not in responses(messages)
    assert "utter_welcome" in responses(messages)
    # said in so many words, it is a stop
    _, messages = run(ActionStopScreen(), tracker(intent="stop", text="stop", active_loop=None))
    assert "utter_screen_stopped" in responses(messages)
