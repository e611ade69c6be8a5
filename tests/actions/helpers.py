"""Build rasa_sdk trackers and run actions the way the action server does (covidflow style)."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import slots as s
from actions.clinic_config import clinic_slot_values
from core.clinic import load_clinic

ROOT = Path(__file__).resolve().parents[2]
ALL_CLEAR = {s.RF_EMERGENCY: [s.NONE], s.RF_URGENT_CARE: [s.NONE], s.RF_SEE_CLINICIAN: [s.NONE]}


@lru_cache(maxsize=None)
def domain() -> Dict[str, Any]:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


def entity(name: str, value: Any, role: Optional[str] = None) -> Dict[str, Any]:
    found = {"entity": name, "value": value}
    if role:
        found["role"] = role
    return found


def tracker(
    slots: Optional[Dict[str, Any]] = None,
    intent: Optional[str] = "inform",
    entities: Optional[List[Dict[str, Any]]] = None,
    text: str = "",
    requested_slot: Optional[str] = None,
    active_loop: Optional[str] = "screening_form",
    events: Optional[List[Dict[str, Any]]] = None,
    confidence: float = 1.0,
) -> Tracker:
    all_slots = {name: None for name in domain()["slots"]}
    all_slots.update(clinic_slot_values(load_clinic()))
    all_slots.update(slots or {})
    all_slots[s.REQUESTED_SLOT] = requested_slot
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence} if intent else {},
        "entities": entities or [],
    }
    return Tracker(
        sender_id="test-runner",
        slots=all_slots,
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop={"name": active_loop} if active_loop else {},
        latest_action_name="action_listen",
    )


def run(action, tracker_: Tracker) -> Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]:
    """Run one action; return (events, messages) as the action server would send them."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker_, domain()))
    return events, dispatcher.messages


def slot_sets(events) -> Dict[str, Any]:
    """The SlotSet events as {slot: value} (the last one wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def responses(messages) -> List[str]:
    return [m.get("response") for m in messages if m.get("response")]


def texts(messages) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def render(messages) -> str:
    """What the runner would read: texts plus domain responses with clinic slots filled in."""
    values = clinic_slot_values(load_clinic())
    out = []
    for message in messages:
        if message.get("text"):
            out.append(message["text"])
        elif message.get("response"):
            template = domain()["responses"][message["response"]][0]["text"]
            out.append(template.format(**values))
    return "\n".join(out)


def responses_sent_by_code() -> set:
    """Responses that a form question or a custom action sends (not named in stories/rules)."""
    import re

    from actions.explain_why import why_response
    from actions.questions import QUESTIONS
    from actions.reading import INPUT_PROBLEM_RESPONSE

    used = {q.invalid for q in QUESTIONS} | set(INPUT_PROBLEM_RESPONSE.values())
    used |= {why_response(q.slot) for q in QUESTIONS} | {why_response(None)}
    # the form validation sends utter_preamble_<slot> before a question that has one
    used |= {f"utter_preamble_{q.slot}" for q in QUESTIONS if f"utter_preamble_{q.slot}" in domain()["responses"]}
    used |= {f"utter_ask_{slot}" for form in domain()["forms"].values() for slot in form["required_slots"]
             if f"action_ask_{slot}" not in domain()["actions"]}
    used.add("utter_default")  # Rasa's own action_default_fallback sends it
    for path in [*(ROOT / "actions").glob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        used |= set(re.findall(r'"(utter_\w+)"', path.read_text()))
    return used - {"utter_action"}  # a key of Rasa's message dicts, not a response
