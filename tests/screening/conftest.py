"""Shared fixtures for the screening engine tests (no Rasa needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from actions.screening import load_knowledge_base
from actions.screening.answers import ActivationCheck, Answers, BalanceCheck, DonkeyKickCheck

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "clinic" / "screening_rules.yml"
CHECK_TYPES = {"activation": ActivationCheck, "balance": BalanceCheck, "donkey_kick": DonkeyKickCheck}


def make_answers(spec: Dict[str, Any]) -> Answers:
    """Answers from a flat dict: top-level names, dotted self-check fields, and `red_flags`.

    A self-check with any detail given is marked done unless its status is given.
    """
    top, checks = {}, {name: {} for name in CHECK_TYPES}
    for key, value in spec.items():
        if "." in key:
            check, attr = key.split(".", 1)
            checks[check][attr] = value
        else:
            top[key] = value
    for name, attrs in checks.items():
        if attrs:
            attrs.setdefault("status", "done")
            top[name] = CHECK_TYPES[name](**attrs)
    return Answers(**top)


@pytest.fixture(scope="session")
def kb():
    return load_knowledge_base(RULES)


@pytest.fixture(scope="session")
def clinic():
    return yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def rules_data():
    """The shipped knowledge base as plain data, to break on purpose (copy before editing)."""
    return yaml.safe_load(RULES.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def make():
    """make({"pain_areas": ["knee"], "activation.felt_where": ["hamstring"]}) -> Answers."""
    return make_answers
