"""The runner's answers as a typed record: the only input the screening engine takes.

The Rasa actions build an `Answers` from slots (see actions/slot_answers.py); tests build one
directly. Every field may be missing (None, or an empty list) while the screen is under way,
and the engine must cope with that: a rule on a missing answer simply does not fire.

Conditions in the knowledge base name fields by the dotted paths in `FIELDS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Optional

from . import vocabulary as v


@dataclass
class ActivationCheck:
    """Glute activation squeeze."""

    status: str = "not_offered"  # one of v.CHECK_STATUSES
    harder_side: Optional[str] = None  # v.CHECK_SIDES: which side was harder or slower
    felt_where: List[str] = field(default_factory=list)  # v.EFFORT_SITES


@dataclass
class BalanceCheck:
    """Single-leg balance in the knee-drive position, up to 30 s a side."""

    status: str = "not_offered"
    problem_side: Optional[str] = None  # v.CHECK_SIDES: side that dropped or could not hold
    faults: List[str] = field(default_factory=list)  # v.BALANCE_FAULTS
    lateral_hip_pain: Optional[str] = None  # v.YES_NO_UNSURE: pain at the side of the hip


@dataclass
class DonkeyKickCheck:
    """Prone donkey kick, 5-10 reps a side."""

    status: str = "not_offered"
    faults: List[str] = field(default_factory=list)  # v.DONKEY_FAULTS
    reps_left: Optional[int] = None  # good reps, 0-10
    reps_right: Optional[int] = None


@dataclass
class Answers:
    # red flag id -> "yes" | "no" | "unsure" (ids are the knowledge base's red flags)
    red_flags: Dict[str, str] = field(default_factory=dict)

    no_pain: Optional[bool] = None  # True when the runner said nothing hurts
    pain_areas: List[str] = field(default_factory=list)  # v.BODY_AREAS
    pain_side: Optional[str] = None  # v.SIDES
    pain_timing: List[str] = field(default_factory=list)  # v.PAIN_TIMINGS
    pain_severity: Optional[int] = None  # 0-10

    running_effort: Optional[str] = None  # v.YES_NO_UNSURE: running feels harder than it should

    injuries: List[str] = field(default_factory=list)  # v.INJURIES
    injury_recurring: Optional[str] = None  # v.YES_NO_UNSURE

    sitting_hours: Optional[float] = None  # hours a day: school, work, commute

    gait_signs: List[str] = field(default_factory=list)  # v.GAIT_SIGNS
    gait_signs_skipped: bool = False

    activation: ActivationCheck = field(default_factory=ActivationCheck)
    balance: BalanceCheck = field(default_factory=BalanceCheck)
    donkey_kick: DonkeyKickCheck = field(default_factory=DonkeyKickCheck)

    def get(self, path: str):
        """Value of a dotted field path such as ``"activation.felt_where"``."""
        if path not in FIELDS:
            raise KeyError(f"unknown answer field '{path}'")
        value = self
        for part in path.split("."):
            value = getattr(value, part)
        return value

    @property
    def donkey_min_reps(self) -> Optional[int]:
        reps = [r for r in (self.donkey_kick.reps_left, self.donkey_kick.reps_right) if r is not None]
        return min(reps) if reps else None


# Field path -> (kind, allowed values or None). Kinds: "list", "choice", "number", "bool".
# The knowledge base validator checks every condition against this table.
FIELDS = {
    "no_pain": ("bool", None),
    "pain_areas": ("list", v.BODY_AREAS),
    "pain_side": ("choice", v.SIDES),
    "pain_timing": ("list", v.PAIN_TIMINGS),
    "pain_severity": ("number", None),
    "running_effort": ("choice", v.YES_NO_UNSURE),
    "injuries": ("list", v.INJURIES),
    "injury_recurring": ("choice", v.YES_NO_UNSURE),
    "sitting_hours": ("number", None),
    "gait_signs": ("list", v.GAIT_SIGNS),
    "gait_signs_skipped": ("bool", None),
    "activation.status": ("choice", v.CHECK_STATUSES),
    "activation.harder_side": ("choice", v.CHECK_SIDES),
    "activation.felt_where": ("list", v.EFFORT_SITES),
    "balance.status": ("choice", v.CHECK_STATUSES),
    "balance.problem_side": ("choice", v.CHECK_SIDES),
    "balance.faults": ("list", v.BALANCE_FAULTS),
    "balance.lateral_hip_pain": ("choice", v.YES_NO_UNSURE),
    "donkey_kick.status": ("choice", v.CHECK_STATUSES),
    "donkey_kick.faults": ("list", v.DONKEY_FAULTS),
    "donkey_kick.reps_left": ("number", None),
    "donkey_kick.reps_right": ("number", None),
    "donkey_min_reps": ("number", None),
}
