"""The screening form's questions, each declared once, in asking order.

A question says which slot it fills, when it applies, how a message answers it (a reader in
actions/reading.py), what a no-problem answer ("fine", "same", "all good") means for it,
what is recorded when the runner cannot answer it after three asks, which "this didn't make
sense" and "why I ask" responses it uses, and which field of the engine's record
(actions/screening/answers.py) it fills. The plan (actions/screen_state.py), the form's
validation, the confirmations, "why are you asking?" and the domain test all derive from
this list. The wording of each question lives in domain.yml as `utter_ask_<slot>` (or an
`action_ask_<slot>` for questions built from the knowledge base).

Adding a question: add a slot name to actions/slots.py, an entry here, and its wording
(plus re-ask and why texts) in domain.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from actions import reading as r
from actions import slots as s

Slots = Mapping[str, Any]


def _always(slots: Slots) -> bool:
    return True


def _has_pain(slots: Slots) -> bool:
    return not slots.get(s.NO_PAIN)


def _has_real_areas(slots: Slots) -> bool:
    return _has_pain(slots) and bool(r.real_pain_areas(slots))


def _has_injuries(slots: Slots) -> bool:
    return bool([x for x in (slots.get(s.INJURIES) or []) if x not in (s.NONE, s.UNSURE)])


def _report_needed(choice: str, details: Tuple[str, ...]) -> Callable[[Slots], bool]:
    # The open "how did it go?" comes first, unless the runner has already told everything.
    return lambda slots: slots.get(choice) == s.DO_NOW and not all(answered(slots, d) for d in details)


def _follow_up(choice: str, report: str) -> Callable[[Slots], bool]:
    # Asked only for what the report left out; a no-problem report completes the check.
    return lambda slots: slots.get(choice) == s.DO_NOW and slots.get(report) != s.FINE


@dataclass(frozen=True)
class Question:
    slot: str
    read: Callable[..., Dict[str, Any]]
    invalid: str  # response sent when the message does not answer it
    why: str  # response to "why are you asking?"
    field: Optional[str]  # the engine's answer field it fills (None: conversation only)
    applies: Callable[[Slots], bool] = _always
    no_problem: Optional[Dict[str, Any]] = None  # what "fine" / "all good" answers
    # Recorded after the third ask without an answer, or on "not sure" / "skip" when the
    # reader has nothing better. None: the question is only marked as unanswered.
    give_up: Optional[Dict[str, Any]] = None
    check: Optional[str] = None  # the self-check (its choice slot) this question belongs to
    stage: str = "screen"  # "safety", "check" or "screen"

    def give_up_updates(self, current: Slots, red_flag_groups) -> Dict[str, Any]:
        if self.slot == s.RF_CONFIRM:  # unsure counts as yes: the red flags are recorded
            return r.read_rf_confirm(r.Message("not_sure", [], "not sure"), current, red_flag_groups)
        if self.give_up is not None:
            if self.slot in s.RED_FLAG_SLOTS:  # (not sure counts as yes) red flags said before stay
                return r.group_answer(current, self.slot, self.give_up[self.slot])
            return dict(self.give_up)
        return {s.UNANSWERED: list(current.get(s.UNANSWERED) or []) + [self.slot]}


def _check_questions(choice, report, details, reader, why_detail) -> List[Question]:
    out = [
        Question(choice, reader(choice), "utter_invalid_check_choice", "utter_why_self_check",
                 f"{_CHECK_FIELD[choice]}.status", give_up={choice: s.SKIP}, check=choice, stage="check"),
        Question(report, reader(report), "utter_invalid_check_report", "utter_why_self_check_answer",
                 None, applies=_report_needed(choice, tuple(d[0] for d in details)),
                 no_problem={report: s.FINE}, give_up={choice: s.SKIP},
                 check=choice, stage="check"),
    ]
    for slot, invalid, answer_field, fine in details:
        out.append(Question(slot, reader(slot), invalid, why_detail, answer_field,
                            applies=_follow_up(choice, report), no_problem=fine, check=choice, stage="check"))
    return out


_CHECK_FIELD = {s.ACTIVATION_CHOICE: "activation", s.BALANCE_CHOICE: "balance", s.DONKEY_CHOICE: "donkey_kick"}

QUESTIONS: Tuple[Question, ...] = (
    # Safety first: a red flag said with a negation that may not cancel it is confirmed
    # before anything else; then one group of red flags per triage level.
    Question(s.RF_CONFIRM, r.read_rf_confirm, "utter_invalid_yes_no", "utter_why_red_flags", "red_flags",
             applies=lambda slots: bool(slots.get(s.RF_PENDING)), stage="safety"),
    *(Question(slot, r.read_red_flag_group(slot), "utter_invalid_red_flag", "utter_why_red_flags", "red_flags",
               no_problem={slot: [s.NONE]}, give_up={slot: [s.UNSURE]}, stage="safety")
      for slot in s.RED_FLAG_SLOTS),
    # Soreness
    Question(s.PAIN_AREAS, r.read_pain_areas, "utter_invalid_pain_areas", "utter_why_pain_areas", "pain_areas",
             no_problem={s.PAIN_AREAS: [], s.NO_PAIN: True}, give_up={s.PAIN_AREAS: [s.UNSURE]}),
    # Places named before the question (in the opening, at a safety question): anything else?
    Question(s.PAIN_AREAS_MORE, r.read_pain_areas_more, "utter_invalid_pain_areas_more", "utter_why_pain_areas",
             None, applies=lambda slots: _has_real_areas(slots) and bool(slots.get(s.PAIN_AREAS_IN_PASSING)),
             no_problem={s.PAIN_AREAS_MORE: "done"}, give_up={s.PAIN_AREAS_MORE: "done"}),
    Question(s.PAIN_SIDE, r.read_pain_side, "utter_invalid_pain_side", "utter_why_pain_side", "pain_side",
             applies=_has_real_areas),
    Question(s.PAIN_TIMING, r.read_pain_timing, "utter_invalid_pain_timing", "utter_why_pain_timing",
             "pain_timing", applies=_has_pain),
    Question(s.PAIN_SEVERITY, r.read_pain_severity, "utter_invalid_pain_severity", "utter_why_pain_severity",
             "pain_severity", applies=_has_pain),
    # Effort, history, sitting, gait
    Question(s.RUNNING_EFFORT, r.read_running_effort, "utter_invalid_yes_no", "utter_why_running_effort",
             "running_effort", no_problem={s.RUNNING_EFFORT: "no"}),
    Question(s.INJURIES, r.read_injuries, "utter_invalid_injuries", "utter_why_injuries", "injuries",
             no_problem={s.INJURIES: [s.NONE]}, give_up={s.INJURIES: [s.UNSURE]}),
    Question(s.INJURY_RECURRING, r.read_injury_recurring, "utter_invalid_yes_no", "utter_why_injury_recurring",
             "injury_recurring", applies=_has_injuries, no_problem={s.INJURY_RECURRING: "no"}),
    Question(s.SITTING_HOURS, r.read_sitting_hours, "utter_invalid_sitting_hours", "utter_why_sitting_hours",
             "sitting_hours"),
    Question(s.GAIT_SIGNS, r.read_gait_signs, "utter_invalid_gait_signs", "utter_why_gait_signs", "gait_signs",
             no_problem={s.GAIT_SIGNS: [s.NONE]}, give_up={s.GAIT_SIGNS: [s.SKIPPED]}),
    # The three self-checks (offered only when the engine allows them)
    *_check_questions(s.ACTIVATION_CHOICE, s.ACTIVATION_REPORT, (
        (s.ACTIVATION_HARDER_SIDE, "utter_invalid_check_side", "activation.harder_side",
         {s.ACTIVATION_HARDER_SIDE: "neither"}),
        (s.ACTIVATION_FELT_WHERE, "utter_invalid_effort_site", "activation.felt_where",
         {s.ACTIVATION_FELT_WHERE: ["glute"]}),
    ), r.read_activation, "utter_why_self_check_answer"),
    *_check_questions(s.BALANCE_CHOICE, s.BALANCE_REPORT, (
        (s.BALANCE_PROBLEM_SIDE, "utter_invalid_check_side", "balance.problem_side",
         {s.BALANCE_PROBLEM_SIDE: "neither"}),
        (s.BALANCE_HIP_PAIN, "utter_invalid_yes_no", "balance.lateral_hip_pain", {s.BALANCE_HIP_PAIN: "no"}),
    ), r.read_balance, "utter_why_self_check_answer"),
    *_check_questions(s.DONKEY_CHOICE, s.DONKEY_REPORT, (
        (s.DONKEY_FAULTS, "utter_invalid_donkey_faults", "donkey_kick.faults", {s.DONKEY_FAULTS: [s.NONE]}),
        (s.DONKEY_REPS_LEFT, "utter_invalid_reps", "donkey_kick.reps_left", None),
        (s.DONKEY_REPS_RIGHT, "utter_invalid_reps", "donkey_kick.reps_right", None),
    ), r.read_donkey, "utter_why_self_check_answer"),
    # Last: storage consent, unless the runner chose at the welcome
    Question(s.STORE_CONSENT, r.read_store_consent, "utter_invalid_yes_no", "utter_why_store_consent", None,
             give_up={s.STORE_CONSENT: False}, stage="consent"),
)

_BY_SLOT: Dict[str, Question] = {q.slot: q for q in QUESTIONS}
FORM_SLOTS: Tuple[str, ...] = tuple(q.slot for q in QUESTIONS)
SELF_CHECK_SLOTS: Tuple[str, ...] = tuple(q.slot for q in QUESTIONS if q.check)
CHECK_CHOICES: Tuple[str, ...] = tuple(_CHECK_FIELD)
# Everything a new screen clears (the clinic slots and the consent choice stay).
SCREEN_SLOTS: Tuple[str, ...] = tuple(slot for slot in FORM_SLOTS if slot != s.STORE_CONSENT) + (
    s.NO_PAIN, s.PAIN_AREAS_IN_PASSING, s.BALANCE_FAULTS, s.FAILED_ATTEMPTS, s.TRIAGE, s.FINDINGS, s.RED_FLAGS, s.SCREEN_SUMMARY,
    s.RF_PENDING, s.RF_UNPLACED, s.UNANSWERED, s.SCREEN_SAVED,
)


def question(slot: str) -> Question:
    return _BY_SLOT[slot]


def is_question(slot: Optional[str]) -> bool:
    return slot in _BY_SLOT


def details_of(choice: str) -> List[Question]:
    """The follow-up questions of one self-check (after its report question)."""
    return [q for q in QUESTIONS if q.check == choice and q.slot not in (choice, report_of(choice))]


def report_of(choice: str) -> str:
    return {s.ACTIVATION_CHOICE: s.ACTIVATION_REPORT, s.BALANCE_CHOICE: s.BALANCE_REPORT,
            s.DONKEY_CHOICE: s.DONKEY_REPORT}[choice]


def answered(slots: Slots, slot: str) -> bool:
    """Answered, or given up on after three asks. A red-flag group holding only red flags said
    elsewhere is not answered until its own question is (RF_ASKED)."""
    value = slots.get(slot)
    if slot in s.RED_FLAG_SLOTS and value and slot not in (slots.get(s.RF_ASKED) or []):
        return all(x in (s.NONE, s.UNSURE, "yes") for x in value)
    return value is not None or slot in (slots.get(s.UNANSWERED) or [])


def fill_fine_reports(slots: Slots, updates: Dict[str, Any]) -> Dict[str, Any]:
    """A no-problem report completes its check: its follow-ups get their no-problem values."""
    merged = {**slots, **updates}
    out = dict(updates)
    for choice in CHECK_CHOICES:
        if merged.get(report_of(choice)) != s.FINE:
            continue
        for q in details_of(choice):
            if q.no_problem and not answered(merged, q.slot):
                for slot, value in q.no_problem.items():
                    out.setdefault(slot, value)
    return out


def questions_that_apply(slots: Slots, self_checks_allowed: bool) -> List[str]:
    return [q.slot for q in QUESTIONS
            if q.applies(slots) and (q.stage != "check" or self_checks_allowed) and q.slot != s.STORE_CONSENT]

