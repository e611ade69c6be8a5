"""Properties that hold for any answers at all, checked over random Answers records."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from actions.screening import (Answers, clinician_summary, compose_result_messages, screen,
                               summary_markdown)
from actions.screening import vocabulary as v
from actions.screening.answers import ActivationCheck, BalanceCheck, DonkeyKickCheck

RED_FLAG_IDS = [
    "chest_symptoms", "saddle_numbness_or_bladder", "clot_in_lung", "achilles_rupture",
    "cannot_bear_weight", "hot_swollen_joint", "calf_swelling", "groin_pain_weight_bearing",
    "bone_stress_signs", "nerve_symptoms", "systemic_signs",
]
RANK = {level: i for i, level in enumerate(v.TRIAGE_LEVELS)}


def maybe(strategy):
    return st.none() | strategy


def some(vocab):
    return st.lists(st.sampled_from(vocab), unique=True, max_size=len(vocab))


def one(vocab):
    return maybe(st.sampled_from(vocab))


answers_strategy = st.builds(
    Answers,
    # mostly "no", so that runs without a red flag are common
    red_flags=st.dictionaries(st.sampled_from(RED_FLAG_IDS),
                              st.sampled_from(["no", "no", "no", "no", "yes", "unsure"]), max_size=11),
    no_pain=maybe(st.booleans()),
    pain_areas=some(v.BODY_AREAS),
    pain_side=one(v.SIDES),
    pain_timing=some(v.PAIN_TIMINGS),
    pain_severity=maybe(st.integers(0, 10)),
    running_effort=one(v.YES_NO_UNSURE),
    injuries=some(v.INJURIES),
    injury_recurring=one(v.YES_NO_UNSURE),
    sitting_hours=maybe(st.integers(0, 16) | st.floats(0, 24, allow_nan=False)),
    gait_signs=some(v.GAIT_SIGNS),
    gait_signs_skipped=st.booleans(),
    activation=st.builds(ActivationCheck, status=st.sampled_from(v.CHECK_STATUSES),
                         harder_side=one(v.CHECK_SIDES), felt_where=some(v.EFFORT_SITES)),
    balance=st.builds(BalanceCheck, status=st.sampled_from(v.CHECK_STATUSES),
                      problem_side=one(v.CHECK_SIDES), faults=some(v.BALANCE_FAULTS),
                      lateral_hip_pain=one(v.YES_NO_UNSURE)),
    donkey_kick=st.builds(DonkeyKickCheck, status=st.sampled_from(v.CHECK_STATUSES),
                          faults=some(v.DONKEY_FAULTS), reps_left=maybe(st.integers(0, 10)),
                          reps_right=maybe(st.integers(0, 10))),
)

PROPERTY_SETTINGS = settings(max_examples=300, derandomize=True, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(answers=answers_strategy)
def test_red_flag_always_outranks_findings(kb, answers):
    result = screen(answers, kb)
    if result.red_flags:
        levels = [kb.red_flag(f).level for f in result.red_flags]
        assert result.triage == levels[0]
        assert levels == sorted(levels, key=RANK.get)
        assert result.triage in v.STOPPING_LEVELS and result.stops_screen
        assert not result.self_checks_allowed and result.self_checks_reason
        assert not result.strong_recommendation
    else:
        assert result.triage in ("gait_analysis", "self_care")
        assert not result.stops_screen


@PROPERTY_SETTINGS
@given(answers=answers_strategy)
def test_self_care_never_carries_a_referring_finding(kb, answers):
    result = screen(answers, kb)
    referring = [f for f in result.findings if kb.finding(f).refers]
    if result.triage == "self_care":
        assert referring == []
    if result.triage == "gait_analysis":
        assert referring and not result.red_flags


@PROPERTY_SETTINGS
@given(answers=answers_strategy)
def test_every_fired_rule_is_traced_with_known_sources(kb, answers):
    result = screen(answers, kb)
    fired = ([f"red_flags.{f}" for f in result.red_flags] + [f"findings.{f}" for f in result.findings]
             + [f"strength.{r}" for r in result.strength_rules] + [f"triage.{result.triage}", "self_checks"])
    traced = {e.rule_id: e for e in result.trace}
    assert set(fired) == set(traced)
    for rule_id in fired:
        entry = traced[rule_id]
        assert entry.sources and all(s in kb.sources for s in entry.sources), rule_id
        assert entry.explanation
        if entry.kind in ("red_flag", "finding", "strength"):
            assert entry.matched, rule_id  # the answers that made it fire
    weights = [kb.finding(f).weight for f in result.findings]
    assert weights == sorted(weights, reverse=True)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(answers=answers_strategy)
def test_messages_and_summary_work_on_any_answers(kb, clinic, answers):
    result = screen(answers, kb)
    messages = compose_result_messages(result, answers, kb, clinic)
    assert messages and all(isinstance(m, str) and m.strip() for m in messages)
    assert all("{" not in m and "}" not in m for m in messages)
    assert all(len(m) < 600 for m in messages)
    assert "not a diagnosis" in messages[-1]
    assert any(clinic["emergency_number"] in m for m in messages)
    summary = clinician_summary(answers, result, kb, datetime(2025, 1, 2, 3, 4, tzinfo=timezone.utc))
    assert json.loads(json.dumps(summary)) == summary
    assert summary_markdown(summary).startswith("# ")
