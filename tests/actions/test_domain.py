"""The domain and the action code agree: no question without wording, no button a form can't read."""

import json
import re

import pytest

from actions import slots as s
from actions.reading import INTERRUPTION_INTENTS
from actions.screening import vocabulary as v
from tests.actions.helpers import domain, responses_sent_by_code

RESPONSES = domain()["responses"]
INTENTS = set(domain()["intents"])
ACTIONS = set(domain()["actions"])

ENTITY_VALUES = {
    "body_part": v.BODY_AREAS, "side": v.SIDES, "timing": v.PAIN_TIMINGS, "injury": v.INJURIES,
    "gait_sign": v.GAIT_SIGNS, "check_fault": v.BALANCE_FAULTS + v.DONKEY_FAULTS,
}


def test_every_form_question_has_wording():
    for slot in domain()["forms"]["screening_form"]["required_slots"]:
        assert f"utter_ask_{slot}" in RESPONSES or f"action_ask_{slot}" in ACTIONS, slot


def test_slot_constants_match_the_domain():
    names = {value for key, value in vars(s).items()
             if key.isupper() and isinstance(value, str) and not key.startswith(("DO_", "SKIP", "NONE", "UNSURE", "SKIPPED", "FINE", "TOLD", "OPENING_STORY"))}
    assert names - {s.REQUESTED_SLOT} <= set(domain()["slots"])


def test_every_response_the_actions_send_exists():
    missing = sorted(r for r in responses_sent_by_code() if r not in RESPONSES)
    assert not missing


def test_interruption_intents_exist():
    assert INTERRUPTION_INTENTS <= INTENTS


def _buttons():
    for name, variants in RESPONSES.items():
        for variant in variants:
            for button in variant.get("buttons", []):
                yield name, button


def _typed_buttons():
    """Buttons whose payload is typed text (the self-checks' "how did it go?"), with the
    question they answer."""
    for name, button in _buttons():
        if not button["payload"].startswith("/"):
            yield name[len("utter_ask_"):], button


@pytest.mark.parametrize("slot, button", list(_typed_buttons()), ids=lambda x: x if isinstance(x, str) else x["title"])
def test_every_typed_button_is_read_as_an_answer_to_its_question(slot, button):
    from actions.questions import question
    from actions.reading import Message, read_message
    from bot.nlu.clinical_extractor import build_nlp

    text = button["payload"]
    message = Message("inform", build_nlp().extract(text), text)
    check = question(slot).check
    reading = read_message(message, slot, {check: s.DO_NOW}, {})
    assert slot in reading.updates and not reading.problem_response, text


@pytest.mark.parametrize("name, button", [b for b in _buttons() if b[1]["payload"].startswith("/")],
                         ids=lambda x: x if isinstance(x, str) else x["title"])
def test_every_button_payload_is_an_intent_with_known_entity_values(name, button):
    payload = button["payload"].replace("{{", "{").replace("}}", "}")
    match = re.fullmatch(r"/(\w+)(\{.*\})?", payload)
    assert match, payload
    assert match.group(1) in INTENTS
    for entity, value in json.loads(match.group(2) or "{}").items():
        if entity in ENTITY_VALUES:
            assert value in ENTITY_VALUES[entity], (entity, value)


def test_no_response_is_longer_than_a_chat_bubble_should_be():
    for name, variants in RESPONSES.items():
        for variant in variants:
            assert len(variant.get("text", "")) <= 900, name


def test_the_question_registry_and_the_domains_form_agree():
    from actions.questions import FORM_SLOTS, QUESTIONS

    assert list(FORM_SLOTS) == domain()["forms"]["screening_form"]["required_slots"]
    for q in QUESTIONS:
        assert q.invalid in RESPONSES and q.why in RESPONSES, q.slot
        assert f"utter_ask_{q.slot}" in RESPONSES or f"action_ask_{q.slot}" in ACTIONS, q.slot


def test_every_answer_field_a_question_fills_exists_in_the_engines_record():
    from actions.questions import QUESTIONS
    from actions.screening.answers import FIELDS

    for q in QUESTIONS:
        if q.field and q.field != "red_flags":
            assert q.field in FIELDS or q.field.split(".")[-1] == "status", (q.slot, q.field)
