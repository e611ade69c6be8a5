"""Triage levels, precedence, 'not sure', ordering and partial answers."""

from __future__ import annotations

import os

import yaml

import pytest

from actions.screening import KnowledgeBaseError, load_knowledge_base, screen
from actions.screening.vocabulary import STOPPING_LEVELS, TRIAGE_LEVELS

EVERYTHING_POSITIVE = {
    "pain_areas": ["knee", "shin"], "pain_side": "left", "pain_timing": ["during_runs"],
    "pain_severity": 4, "running_effort": "yes", "injuries": ["shin_splints", "itb_syndrome"],
    "sitting_hours": 9, "gait_signs": ["pelvic_drop", "overstriding"],
    "activation.harder_side": "left", "activation.felt_where": ["hamstring"],
    "balance.problem_side": "left", "balance.faults": ["hip_dropped"],
    "donkey_kick.faults": ["back_arched"],
}

# One hand-written example per triage level.
LEVEL_EXAMPLES = {
    "emergency": {"red_flags": {"saddle_numbness_or_bladder": "yes"}},
    "urgent_care": {"red_flags": {"cannot_bear_weight": "yes"}},
    "see_clinician": {"red_flags": {"systemic_signs": "yes"}},
    "gait_analysis": {"pain_areas": ["calf"], "pain_timing": ["after_runs"]},
    "self_care": {"red_flags": {f: "no" for f in ("chest_symptoms", "calf_swelling")},
                  "no_pain": True, "running_effort": "no", "sitting_hours": 4},
}


def test_examples_cover_all_levels():
    assert set(LEVEL_EXAMPLES) == set(TRIAGE_LEVELS)


@pytest.mark.parametrize("level", TRIAGE_LEVELS)
def test_each_triage_level(kb, make, level):
    result = screen(make(LEVEL_EXAMPLES[level]), kb)
    assert result.triage == level
    assert result.stops_screen is (level in STOPPING_LEVELS)
    assert result.entry(f"triage.{level}").kind == "triage"


def test_highest_red_flag_level_wins(kb, make):
    answers = make({"red_flags": {"nerve_symptoms": "yes", "calf_swelling": "yes", "clot_in_lung": "unsure"}})
    result = screen(answers, kb)
    assert result.triage == "emergency"
    assert result.red_flags == ["clot_in_lung", "calf_swelling", "nerve_symptoms"]


def test_urgent_beats_see_clinician_whatever_the_answer_order(kb, make):
    answers = make({"red_flags": {"bone_stress_signs": "yes", "groin_pain_weight_bearing": "yes"}})
    result = screen(answers, kb)
    assert result.triage == "urgent_care"
    assert result.red_flags == ["groin_pain_weight_bearing", "bone_stress_signs"]


def test_red_flag_beats_findings(kb, make):
    answers = make({**EVERYTHING_POSITIVE, "red_flags": {"nerve_symptoms": "yes"}})
    result = screen(answers, kb)
    assert result.triage == "see_clinician"
    assert result.findings  # still recorded for the clinician
    assert not result.strong_recommendation
    assert result.stops_screen and not result.self_checks_allowed


def test_derived_red_flag_beats_findings(kb, make):
    answers = make({"pain_areas": ["shin"], "pain_timing": ["during_runs", "at_rest"], "running_effort": "yes"})
    result = screen(answers, kb)
    assert result.red_flags == ["bone_stress_signs"]
    assert result.triage == "see_clinician"
    assert {"pain_in_linked_area", "running_feels_harder"} <= set(result.findings)


def test_not_sure_is_a_policy_switch(tmp_path, rules_data, make):
    data = yaml.safe_load(yaml.safe_dump(rules_data))
    data["policy"]["unsure_counts_as_yes"] = False
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    kb = load_knowledge_base(path)
    assert screen(make({"red_flags": {"chest_symptoms": "unsure"}}), kb).triage == "self_care"
    assert screen(make({"red_flags": {"chest_symptoms": "yes"}}), kb).triage == "emergency"


def test_findings_ordered_by_weight_then_file_order(kb, make):
    answers = make({"sitting_hours": 12, "gait_signs": ["forward_lean", "overstriding", "pelvic_drop"],
                    "running_effort": "yes"})
    result = screen(answers, kb)
    assert result.findings == ["pelvic_drop", "running_feels_harder", "overstriding", "forward_lean",
                               "prolonged_sitting"]


def test_prolonged_sitting_alone_is_self_care(kb, make):
    result = screen(make({"sitting_hours": 10}), kb)
    assert result.findings == ["prolonged_sitting"]
    assert result.triage == "self_care"


def test_empty_answers_are_self_care_and_allow_self_checks(kb, make):
    result = screen(make({}), kb)
    assert result.triage == "self_care"
    assert result.red_flags == [] and result.findings == []
    assert result.self_checks_allowed and result.self_checks_reason is None
    assert not result.stops_screen


def test_after_red_flag_questions_only(kb, make):
    clear = {f: "no" for f in ("chest_symptoms", "saddle_numbness_or_bladder", "clot_in_lung")}
    result = screen(make({"red_flags": clear}), kb)
    assert not result.stops_screen and result.self_checks_allowed


def test_strong_recommendation(kb, make):
    result = screen(make(EVERYTHING_POSITIVE), kb)
    assert result.triage == "gait_analysis"
    assert result.strong_recommendation
    assert set(result.strength_rules) == {"two_positive_self_checks", "unstable_leg_with_linked_pain"}


def test_single_positive_check_is_not_strong(kb, make):
    result = screen(make({"donkey_kick.faults": ["knee_dropped"]}), kb)
    assert result.triage == "gait_analysis"
    assert not result.strong_recommendation


def test_trace_records_the_answers_that_fired(kb, make):
    answers = make({"pain_areas": ["knee", "quad"], "pain_timing": ["after_runs", "next_morning"],
                    "activation.felt_where": ["glute", "hamstring"], "pain_severity": 2})
    result = screen(answers, kb)
    assert result.entry("findings.pain_in_linked_area").matched == {
        "pain_areas": ["knee"], "pain_timing": ["after_runs", "next_morning"]}
    assert result.entry("findings.activation_compensation").matched == {
        "activation.felt_where": ["hamstring"]}
    assert result.entry("self_checks").matched == {"pain_severity": 2}
    assert result.entry("triage.gait_analysis").matched == {
        "findings": ["pain_in_linked_area", "activation_compensation"]}


def test_red_flag_trace_shows_the_answer(kb, make):
    result = screen(make({"red_flags": {"hot_swollen_joint": "unsure"}}), kb)
    entry = result.entry("red_flags.hot_swollen_joint")
    assert entry.kind == "red_flag"
    assert entry.matched == {"red_flags.hot_swollen_joint": "unsure"}
    assert entry.sources == ["SEPTIC"]


def test_knowledge_base_api(kb):
    assert [g.level for g in kb.red_flag_groups] == ["emergency", "urgent_care", "see_clinician"]
    for group in kb.red_flag_groups:
        assert group.prompt
        for flag in group.flags:
            assert flag.level == group.level
            assert flag.question and flag.advice and flag.sources
            assert len(flag.label) <= 20
    assert kb.red_flag("calf_swelling").level == "urgent_care"
    assert kb.finding("pelvic_drop").refers
    assert kb.finding("prolonged_sitting").refers is False
    assert kb.finding("donkey_kick_compensation").self_check
    with pytest.raises(KeyError):
        kb.finding("no_such_finding")


def test_default_path_and_env_override(tmp_path, monkeypatch, rules_data):
    monkeypatch.delenv("SCREENING_RULES", raising=False)
    assert load_knowledge_base().path.endswith("screening_rules.yml")
    data = yaml.safe_load(yaml.safe_dump(rules_data))
    data["version"] = "env-test"
    path = tmp_path / "other.yml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    monkeypatch.setenv("SCREENING_RULES", str(path))
    assert load_knowledge_base().version == "env-test"
    monkeypatch.setenv("SCREENING_RULES", str(tmp_path / "missing.yml"))
    with pytest.raises(KnowledgeBaseError, match="missing.yml"):
        load_knowledge_base()


def test_reload_after_edit(tmp_path, rules_data):
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(rules_data), encoding="utf-8")
    first = load_knowledge_base(path)
    assert load_knowledge_base(path) is first  # cached
    data = yaml.safe_load(yaml.safe_dump(rules_data))
    data["version"] = "edited"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    os.utime(path, ns=(1, 1))  # make sure the timestamp differs
    assert load_knowledge_base(path).version == "edited"


def test_a_swollen_calf_and_a_chest_symptom_said_apart_are_also_a_clot_in_the_lung(kb, make):
    result = screen(make({"red_flags": {"calf_swelling": "yes", "chest_symptoms": "yes", "clot_in_lung": "no"}}), kb)
    assert result.triage == "emergency"
    assert result.red_flags[:2] == ["chest_symptoms", "clot_in_lung"] and "calf_swelling" in result.red_flags
    alone = screen(make({"red_flags": {"calf_swelling": "yes", "chest_symptoms": "no"}}), kb)
    assert "clot_in_lung" not in alone.red_flags
