"""action_welcome: the welcome and the consent question, whatever the first message was.

The facts in the message that brought the welcome ("my hip is killing me", a red flag) are
kept for the screen and confirmed. A greeting after a finished screen starts a new one: the
previous screen's answers are cleared (with consent, that screen is already in the clinic's
records).
"""

from __future__ import annotations

import re

from typing import Any, Dict, List

from typing import Optional

from rasa_sdk import Action
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions import slots as s
from actions.questions import SCREEN_SLOTS
from actions.reading import (QUESTION_INTENTS, Message, consent_from_text, read_message, sore_areas,
                             yes_no_from)
from actions.screen_state import red_flag_groups
from actions.wording import describe_all


UNPLACED_CONFIDENCE = 0.8


def welcome(dispatcher, tracker, keep_facts: bool = True) -> List[EventType]:
    events: List[EventType] = []
    current: Dict[str, Any] = dict(tracker.slots)
    if current.get(s.TRIAGE) is not None:  # a new screen starts clean
        events += [SlotSet(slot, None) for slot in SCREEN_SLOTS]
        events.append(SlotSet(s.SCREEN_CLOSED, None))
        current.update({slot: None for slot in SCREEN_SLOTS})
    updates: Dict[str, Any] = {}
    if keep_facts:
        message = Message.from_latest(tracker.latest_message)
        # (not an everyday soreness report: "my left shin's been grumbling after long runs")
        # (and not a borderline guess of the classifier: "my coach wants my mechanics looked at?"
        # came out as a red-flag report at 0.67 after a retrain)
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence") or 0.0
        unplaced = message.intent == "report_red_flag" and confidence >= UNPLACED_CONFIDENCE \
            and not message.values("red_flag") and not message.flags_to_confirm() \
            and not sore_areas(message)
        if message.intent not in QUESTION_INTENTS:
            # whatever the classifier made of an opening message, its facts count
            # ("pain 9/10" read as a fallback is still a pain score of 9)
            message = Message("inform", message.entities, message.text)
        reading = read_message(message, None, current, red_flag_groups())
        updates = {k: v for k, v in reading.updates.items() if k != s.REQUESTED_SLOT}
        if unplaced and not updates.get(s.RF_PENDING):
            # An opening that reads like a warning sign the bot cannot place ("went all
            # wobbly n blacked owt"): a runner who thinks they have said it may deny the
            # lists that follow, so every warning sign is shown once and confirmed first.
            updates[s.RF_PENDING] = [s.OPENING_STORY]
    noted = describe_all(updates, current)
    if noted:
        dispatcher.utter_message(text=f"Thanks, I've noted {noted}. I'll use that in the screen.")
    if any(updates.get(slot) for slot in s.RED_FLAG_SLOTS) or updates.get(s.RF_PENDING):
        dispatcher.utter_message(response="utter_red_flag_first")
    if WELCOME_QUESTION in last_bot_text(tracker):
        # (the web widget shows the welcome when it opens; a first message typed under it
        # gets its facts noted, or a hello, and the question again: not the introduction twice)
        if not noted:
            dispatcher.utter_message(response="utter_greet_again")
    else:
        dispatcher.utter_message(response="utter_welcome_intro")
    dispatcher.utter_message(response="utter_welcome")
    return events + [SlotSet(slot, value) for slot, value in updates.items()]


def last_bot_text(tracker) -> str:
    for event in reversed(tracker.events):
        if event.get("event") == "bot":
            return event.get("text") or ""
    return ""


WELCOME_QUESTION = "Shall we start?"
START_HINT = "just type 'start'"  # the end of action_rephrase's reply outside the screen
# After this many replies to the welcome that are neither yes nor no ("idk", "k?"), the
# screen starts (nothing is kept unless the runner agrees at the end): the welcome never
# comes round again and again.
WELCOME_MISSES_BEFORE_START = 2
_START_WORDS = re.compile(r"\b(start|begin|go ahead|let'?s go|let'?s do (?:it|this)|ready when you are|fire away)\b")


def welcome_misses(tracker) -> int:
    """How often the welcome has gone unanswered: the times it was shown since the last screen,
    or the runner's replies since it was last shown (this one included), whichever is more.
    (Counting only the times it was shown, a runner whose replies got the "just type 'start'"
    hint instead of the welcome again was never started: the hint came back for ever.)"""
    shown = replies = 0
    replies_done = False
    for event in reversed(tracker.events):
        if event.get("event") == "bot" and WELCOME_QUESTION in (event.get("text") or ""):
            shown += 1
            replies_done = True
        elif event.get("event") == "user" and not replies_done:
            replies += 1
        elif event.get("event") == "active_loop" and event.get("name"):
            break
    return max(shown, replies)


def answer_to_welcome(dispatcher, tracker) -> Optional[List[EventType]]:
    """A yes or no typed right after "Shall we start?" (even when the welcome came with a
    re-ask): yes starts the screen, no is respected; "not sure", or a second reply the bot
    cannot read, starts it too, saying it can be stopped at any time. None when the welcome
    was not the last question."""
    last = last_bot_text(tracker)
    if WELCOME_QUESTION not in last and START_HINT not in last:
        return None
    message = Message.from_latest(tracker.latest_message)
    answer = yes_no_from(message)
    consent = consent_from_text(message.text)
    if answer == "no" and consent is None:
        dispatcher.utter_message(response="utter_not_now")
        return []
    events: List[EventType] = [] if consent is None else [SlotSet(s.STORE_CONSENT, consent)]
    if answer == "yes" or message.intent in ("affirm", "start_screening") or (consent is not None and answer != "no") \
            or (answer is None and _START_WORDS.search(message.text.lower())):  # "Please begin."
        return events + [FollowupAction("screening_form")]
    if answer == "unsure" or welcome_misses(tracker) >= WELCOME_MISSES_BEFORE_START:
        dispatcher.utter_message(response="utter_lets_try")
        return events + [FollowupAction("screening_form")]
    return None


def never_welcomed(tracker) -> bool:
    """No welcome yet in this conversation, and no screen begun."""
    for event in tracker.events:
        if event.get("event") == "bot" and WELCOME_QUESTION in (event.get("text") or ""):
            return False
        if event.get("event") == "active_loop" and event.get("name"):
            return False
    return True


def welcome_if_first(dispatcher, tracker) -> List[EventType]:
    """After answering a question that opened the conversation ("what is this?", "does cola
    pee count?"), the welcome follows, with the message's facts kept (a red flag named in a
    question waits for its confirm question)."""
    if tracker.active_loop_name is None and never_welcomed(tracker):
        return welcome(dispatcher, tracker)
    return []


class ActionWelcome(Action):
    def name(self) -> str:
        return "action_welcome"

    async def run(self, dispatcher, tracker, domain):
        return welcome(dispatcher, tracker)
