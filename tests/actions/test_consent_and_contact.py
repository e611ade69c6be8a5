"""Nothing kept without consent; with it, the screen and contact requests reach the records; each
channel is told what its platform keeps."""

import pytest
import sqlalchemy as sa

from actions import slots as s
from actions.booking import ActionBooking
from actions.clinic_config import clinic_slot_values
from core.clinic import load_clinic
from actions.contact_form import ActionSaveContact, ValidateContactForm, read_name, read_reach
from actions.show_result import ActionShowResult
from actions.stop_screen import ActionStopScreen
from tests.actions.helpers import ALL_CLEAR, domain, responses, run, slot_sets, tracker
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


# ---------------------------------------------------------------------- what each channel keeps
# Claims that are false on some channel: Slack and Messenger keep their own copy of the chat.
FALSE_CLAIMS = ("without anything being kept", "nothing is kept", "nothing of this chat is kept:",
                "this chat is deleted", "only the clinic's staff see them", "nobody")
PRIVACY_RESPONSES = ("utter_welcome_intro", "utter_lets_try", "utter_preamble_store_consent", "utter_nothing_kept",
                     "utter_nothing_kept_unasked", "utter_offer_contact")


def said_on(output_channel, response: str) -> str:
    """A response as Rasa picks its variant for an output channel and fills in the clinic's details."""
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator

    nlg = TemplatedNaturalLanguageGenerator(domain()["responses"])
    return nlg.generate_from_slots(response, clinic_slot_values(load_clinic()), output_channel.name())["text"]


def channels():
    """The output channels the runner reads on: web widget, Slack, Messenger, REST (and the shell)."""
    from rasa.core.channels.channel import CollectingOutputChannel

    from bot.channels.messenger import ClinicMessengerBot
    from bot.channels.slack import ClinicSlackBot
    from bot.channels.socketio import ClinicSocketIOOutput

    return {"web": ClinicSocketIOOutput, "slack": ClinicSlackBot, "messenger": ClinicMessengerBot,
            "rest": CollectingOutputChannel}


def test_the_welcome_on_slack_says_that_slack_keeps_the_chat_and_its_admins_may_read_it():
    rest = said_on(channels()["rest"], "utter_welcome_intro")
    slack = said_on(channels()["slack"], "utter_welcome_intro")
    assert slack.startswith(rest)  # the same welcome, plus what Slack keeps
    extra = slack[len(rest):]
    assert "Slack keeps this conversation" in extra and "workspace's settings" in extra
    assert "owners and admins" in extra and "everyone there" in extra and "can't delete it" in extra


def test_the_welcome_on_messenger_says_that_the_clinics_page_admins_can_read_the_chat():
    rest = said_on(channels()["rest"], "utter_welcome_intro")
    messenger = said_on(channels()["messenger"], "utter_welcome_intro")
    assert messenger.startswith(rest)
    extra = messenger[len(rest):]
    clinic = clinic_slot_values(load_clinic())[s.CLINIC_NAME]
    assert "Messenger keeps this conversation" in extra and "can't delete it" in extra
    assert f"manage {clinic}'s Facebook Page" in extra and "Page's inbox" in extra


def test_no_channel_is_told_that_nothing_is_kept_and_the_web_is_told_about_its_tab():
    platforms = {"web": {"browser tab"}, "slack": {"slack"}, "messenger": {"messenger"}, "rest": set()}
    for name, channel in channels().items():
        for response in PRIVACY_RESPONSES:
            text = said_on(channel, response).lower()
            assert not [claim for claim in FALSE_CLAIMS if claim in text], (name, response, text)
        welcome = said_on(channel, "utter_welcome_intro").lower()
        assert {word for words in platforms.values() for word in words if word in welcome} == platforms[name], name
    web = said_on(channels()["web"], "utter_welcome_intro")
    assert web.startswith(said_on(channels()["rest"], "utter_welcome_intro"))
    assert web.endswith("This browser tab shows the chat until you close it, so on a shared computer close the tab "
                        "when you're done.")


def test_replies_to_the_welcome_the_bot_cannot_read_start_the_screen_on_the_second():
    # after "just type 'start'", the hint was all the runner ever got again: the welcome's
    # misses were counted by the times the welcome was shown, not by the runner's replies
    from actions.welcome import answer_to_welcome, WELCOME_QUESTION, START_HINT
    from rasa_sdk.executor import CollectingDispatcher

    events = [{"event": "bot", "text": f"Shall we start? {WELCOME_QUESTION}"},
              {"event": "user", "text": "hmm"},
              {"event": "bot", "text": f"Sorry. If you'd like to begin the screen, {START_HINT}"},
              {"event": "user", "text": "I am not in a position to say."}]
    started = answer_to_welcome(CollectingDispatcher(), tracker(intent="nlu_fallback", active_loop=None,
                                                                text="I am not in a position to say.", events=events))
    assert started and any(e.get("event") == "followup" and e.get("name") == "screening_form" for e in started)


def test_please_begin_with_nothing_kept_starts_a_screen_without_keeping():
    from actions.welcome import answer_to_welcome, WELCOME_QUESTION
    from rasa_sdk.executor import CollectingDispatcher

    text = "Please begin. I would prefer nothing to be kept."
    started = answer_to_welcome(CollectingDispatcher(), tracker(
        intent="nlu_fallback", active_loop=None, text=text,
        events=[{"event": "bot", "text": WELCOME_QUESTION}, {"event": "user", "text": text}]))
    assert {"event": "slot", "name": s.STORE_CONSENT, "value": False} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in started]
