"""No conversation can get stuck: whatever a runner types, the screen ends within a bounded
number of turns with a valid result (property-based, on the real form validation and the
real clinical extractor)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions import slots as s
from actions.questions import FORM_SLOTS
from actions.screen_state import answers_and_result
from actions.screening import vocabulary as v
from actions.screening_form import ValidateScreeningForm
from bot.nlu.clinical_extractor import build_nlp
from tests.actions.helpers import run, tracker

FORM = ValidateScreeningForm()
# Every question is asked at most three times, so a screen can never need more turns than
# this (one per question and ask, plus the confirm question).
MAX_TURNS = 3 * len(FORM_SLOTS) + 3

WORDS = ["knee", "left", "maybe", "fine", "the", "same", "yes", "no", "hmm", "😀", "ok", "10", "7 hours",
         "after runs", "not sure", "skip", "both", "my hamstring", "wobbly", "asdf", "lol", "what?",
         "it keeps coming back", "none of these", "right side harder", "🏃‍♀️🔥", "again", "pop"]
INTENTS = ["inform", "affirm", "deny", "not_sure", "skip", "nlu_fallback", "out_of_scope", "greet", None]
message = st.tuples(
    st.lists(st.sampled_from(WORDS), min_size=0, max_size=6).map(" ".join),
    st.sampled_from(INTENTS),
)


def play(messages):
    """Drive the form with these messages (repeating the last ones) until it ends."""
    slots, history = {}, []
    requested = None
    nlp = build_nlp()
    for turn in range(MAX_TURNS):
        text, intent = messages[turn % len(messages)]
        history.append({"event": "user", "text": text})
        events, _ = run(FORM, tracker(slots, intent, nlp.extract(text), text, requested_slot=requested,
                                      events=list(history)))
        for event in events:
            if event.get("event") == "slot":
                slots[event["name"]] = event["value"]
                history.append(event)
        requested = slots.get(s.REQUESTED_SLOT)
        if requested is None and turn > 0:
            return turn + 1, slots
    return None, slots


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(message, min_size=1, max_size=5))
def test_any_messages_end_the_screen_within_the_bound_with_a_valid_result(messages):
    turns, slots = play(messages)
    assert turns is not None, f"still asking {slots.get(s.REQUESTED_SLOT)} after {MAX_TURNS} turns"
    _, result = answers_and_result(slots)
    assert result.triage in v.TRIAGE_LEVELS


def test_a_runner_who_only_ever_says_hmm_gets_a_safe_result():
    turns, slots = play([("hmm", "nlu_fallback")])
    assert turns is not None
    _, result = answers_and_result(slots)
    # three misses at the first safety question count as "not sure", which counts as yes
    assert result.triage == "emergency"
