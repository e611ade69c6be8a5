"""Where the screen stands: the knowledge base, the answers so far, and the engine's view."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List

from actions import slots as s
from actions.questions import answered, questions_that_apply
from actions.screening import load_knowledge_base, screen
from actions.screening.conditions import fields_in
from actions.slot_answers import answers_from_slots


@lru_cache(maxsize=None)
def knowledge():
    """The knowledge base, loaded and validated once per action-server process."""
    return load_knowledge_base()


def red_flag_groups(kb=None) -> Dict[str, List[str]]:
    """Red-flag group slot -> the red flag ids asked in that group."""
    kb = kb or knowledge()
    return {s.RED_FLAG_GROUP_SLOTS[g.level]: [f.id for f in g.flags] for g in kb.red_flag_groups}


def flags_from_fields(fields) -> List[str]:
    """Red flags the knowledge base also derives from one of these answers (severe pain from
    the pain score): once that answer is recorded, a confirm question about them is moot."""
    return [f.id for g in knowledge().red_flag_groups for f in g.flags
            if f.also_when and set(fields_in(f.also_when)) & set(fields)]


def drop_moot_confirms(updates: Dict[str, Any]) -> Dict[str, Any]:
    """"actually more like 8": the 8 may also have been read as a possible severe pain to
    confirm; an answer that decides a red flag (the pain score) makes that confirm moot."""
    pending = updates.get(s.RF_PENDING)
    moot = set(flags_from_fields(updates)) & set(pending or [])
    if moot:
        updates[s.RF_PENDING] = s.pending_or_none([x for x in pending if x not in moot])
    return updates


def answers_and_result(slot_values: Dict[str, Any]):
    kb = knowledge()
    answers = answers_from_slots(slot_values, red_flag_groups(kb))
    return answers, screen(answers, kb)


def screening_plan(slot_values: Dict[str, Any], result) -> List[str]:
    """The questions that apply to this runner, in asking order (actions/questions.py).

    The form asks the first one that is still unanswered. A red flag said with a negation
    that may not cancel it is confirmed before anything else. When the engine says the
    screen must stop (a red flag), only the questions already answered remain, plus the red
    flag groups as urgent as the red flag found or more: a swollen calf does not excuse the
    emergency questions, and the group of a red flag said in passing still gets its question.
    """
    plan = questions_that_apply(slot_values, result.self_checks_allowed)
    if result.stops_screen:
        return [slot for slot in plan
                if answered(slot_values, slot) or slot == s.RF_CONFIRM
                or slot in _groups_still_to_ask(result)]
    return plan + [s.STORE_CONSENT]


def _groups_still_to_ask(result) -> List[str]:
    """The red-flag group slots as urgent as the highest red flag found, or more; none after
    the most urgent level (nothing asked could change "call the emergency number now")."""
    levels = [g.level for g in knowledge().red_flag_groups]
    top = result.triage if result.triage in levels else None
    if top is None or top == levels[0]:
        return []
    return [s.RED_FLAG_GROUP_SLOTS[level] for level in levels[:levels.index(top) + 1]]


def next_question(slot_values: Dict[str, Any], result) -> str:
    return next((q for q in screening_plan(slot_values, result) if not answered(slot_values, q)), None)
