"""Every rule fires on answers written to fire it, and stays quiet on near misses.

The expected outcomes are written by hand from the clinical protocol, not read from the
knowledge base, so a wrong edit of the YAML makes these tests fail.
"""

from __future__ import annotations

import pytest

from actions.screening import screen

# red flag id -> level, from the protocol's red flag table (revision 2).
RED_FLAG_LEVELS = {
    "chest_symptoms": "emergency",
    "saddle_numbness_or_bladder": "emergency",
    "clot_in_lung": "emergency",
    "heat_or_fluid_illness": "emergency",
    "achilles_rupture": "urgent_care",
    "cannot_bear_weight": "urgent_care",
    "hot_swollen_joint": "urgent_care",
    "calf_swelling": "urgent_care",
    "groin_pain_weight_bearing": "urgent_care",
    "muscle_breakdown": "urgent_care",
    "bone_stress_signs": "see_clinician",
    "nerve_symptoms": "see_clinician",
    "systemic_signs": "see_clinician",
    "energy_deficiency": "see_clinician",
    "cardiac_history": "see_clinician",
    "severe_pain": "see_clinician",
}

# Red flags that fire without a "yes", from other answers (rule id, answers).
DERIVED_RED_FLAG_FIRES = [
    ("bone_stress_signs", {"pain_areas": ["shin"], "pain_timing": ["at_rest"]}),
    # revision 2: rest and night pain at any site
    ("bone_stress_signs", {"pain_areas": ["knee"], "pain_timing": ["at_rest"]}),
    ("bone_stress_signs", {"pain_areas": ["low_back"], "pain_timing": ["at_rest", "after_runs"]}),
    ("bone_stress_signs", {"pain_timing": ["at_rest"]}),
    ("severe_pain", {"pain_severity": 7}),
    ("severe_pain", {"pain_areas": ["quad"], "pain_severity": 10}),
    ("bone_stress_signs", {"pain_areas": ["knee", "foot"], "pain_timing": ["during_runs", "at_rest"]}),
    ("bone_stress_signs", {"pain_areas": ["groin"], "pain_timing": ["at_rest"]}),
    ("bone_stress_signs", {"pain_areas": ["hip"], "pain_timing": ["at_rest"]}),
]
DERIVED_RED_FLAG_QUIET = [
    ("bone_stress_signs", {"pain_areas": ["shin"], "pain_timing": ["during_runs", "next_morning"]}),
    ("bone_stress_signs", {"pain_areas": ["shin"]}),
    ("severe_pain", {"pain_severity": 6}),
    ("severe_pain", {"pain_areas": ["knee"], "pain_timing": ["after_runs"]}),
]

# finding id -> (answers that must fire it, answers that must not).
FINDING_CASES = {
    "pain_in_linked_area": (
        [{"pain_areas": ["knee"], "pain_timing": ["during_runs"]},
         {"pain_areas": ["achilles", "quad"], "pain_timing": ["next_morning"]},
         {"pain_areas": ["low_back"], "pain_timing": ["after_runs", "at_rest"]},
         {"pain_areas": ["ankle"], "pain_timing": ["after_runs"]},
         {"pain_areas": ["it_band"], "pain_side": "left", "pain_timing": ["during_runs"]}],
        [{"pain_areas": ["knee"], "pain_timing": ["at_rest"]},
         {"pain_areas": ["quad", "glute"], "pain_timing": ["during_runs"]},
         {"pain_areas": ["knee", "shin"]},
         {"no_pain": True}],
    ),
    "running_feels_harder": (
        [{"running_effort": "yes"}],
        [{"running_effort": "no"}, {"running_effort": "unsure"}, {}],
    ),
    "injury_history": (
        [{"injuries": ["shin_splints", "itb_syndrome"]},
         {"injuries": ["hamstring_strain"], "injury_recurring": "yes"}],
        [{"injuries": ["hamstring_strain"]},
         {"injuries": ["hamstring_strain"], "injury_recurring": "no"},
         {"injuries": ["hamstring_strain"], "injury_recurring": "unsure"},
         {"injury_recurring": "yes"}],
    ),
    "prolonged_sitting": (
        [{"sitting_hours": 8}, {"sitting_hours": 10.5}],
        [{"sitting_hours": 7.5}, {"sitting_hours": 0}, {}],
    ),
    "activation_asymmetry": (
        [{"activation.harder_side": "left"}, {"activation.harder_side": "right"},
         {"activation.harder_side": "both"}],
        [{"activation.harder_side": "neither"}, {"activation.felt_where": ["glute"]}],
    ),
    "activation_compensation": (
        [{"activation.felt_where": ["hamstring"]}, {"activation.felt_where": ["glute", "low_back"]},
         {"activation.felt_where": ["hip_flexor"]}],
        [{"activation.felt_where": ["glute"]}, {"activation.harder_side": "left"}],
    ),
    "single_leg_instability": (
        [{"balance.problem_side": "right"}, {"balance.problem_side": "both"},
         {"balance.problem_side": "neither", "balance.faults": ["knee_caved"]},
         {"balance.faults": ["could_not_hold"]}],
        [{"balance.problem_side": "neither"}, {"balance.lateral_hip_pain": "yes"}],
    ),
    "donkey_kick_compensation": (
        [{"donkey_kick.faults": ["thighs_apart"]},
         {"donkey_kick.reps_left": 4, "donkey_kick.reps_right": 8},
         {"donkey_kick.reps_right": 0}],
        [{"donkey_kick.reps_left": 5, "donkey_kick.reps_right": 10},
         {"donkey_kick.faults": []},
         {"donkey_kick.status": "skipped"}],
    ),
    "lateral_hip_pain_on_balance": (
        [{"balance.lateral_hip_pain": "yes"}, {"balance.lateral_hip_pain": "unsure"}],
        [{"balance.lateral_hip_pain": "no"}, {"balance.problem_side": "left"}],
    ),
    "overstriding": ([{"gait_signs": ["overstriding"]}], [{"gait_signs": ["crossover"]}, {"gait_signs_skipped": True}]),
    "low_knee_drive": ([{"gait_signs": ["low_knee_drive", "crossover"]}], [{"gait_signs": ["overstriding"]}]),
    "anterior_pelvic_tilt": ([{"gait_signs": ["anterior_pelvic_tilt"]}], [{"gait_signs": ["pelvic_drop"]}]),
    "pelvic_drop": ([{"gait_signs": ["pelvic_drop"]}], [{"gait_signs": ["anterior_pelvic_tilt"]}]),
    "crossover": ([{"gait_signs": ["crossover"]}], [{"gait_signs": ["forward_lean"]}]),
    "forward_lean": ([{"gait_signs": ["forward_lean"]}], [{"gait_signs": ["low_knee_drive"]}]),
}

# Protocol: prolonged sitting is weak evidence and never refers on its own; every other
# finding is enough for a gait analysis.
NON_REFERRING = {"prolonged_sitting"}

STRENGTH_CASES = {
    "two_positive_self_checks": (
        [{"activation.harder_side": "left", "donkey_kick.faults": ["hips_lifted"]},
         {"activation.felt_where": ["hamstring"], "balance.faults": ["hip_dropped"]}],
        [{"activation.harder_side": "left"}, {"balance.problem_side": "left", "pain_areas": ["quad"]},
         # asymmetry and compensation both come from the squeeze: one positive check, not two
         {"activation.harder_side": "left", "activation.felt_where": ["hamstring"]}],
    ),
    "unstable_leg_with_linked_pain": (
        [{"balance.problem_side": "left", "pain_areas": ["knee"], "pain_timing": ["after_runs"]}],
        [{"balance.problem_side": "left"},
         {"pain_areas": ["knee"], "pain_timing": ["after_runs"], "activation.harder_side": "left"}],
    ),
}


def _cases(table):
    fire = [(rid, spec) for rid, (fires, _) in table.items() for spec in fires]
    quiet = [(rid, spec) for rid, (_, quiets) in table.items() for spec in quiets]
    return fire, quiet


FINDING_FIRE, FINDING_QUIET = _cases(FINDING_CASES)
STRENGTH_FIRE, STRENGTH_QUIET = _cases(STRENGTH_CASES)


def test_tables_cover_every_rule_in_the_knowledge_base(kb):
    assert {f.id for f in kb.red_flags} == set(RED_FLAG_LEVELS)
    assert {f.id for f in kb.findings} == set(FINDING_CASES)
    assert {r.id for r in kb.strength} == set(STRENGTH_CASES)


@pytest.mark.parametrize("flag_id, level", sorted(RED_FLAG_LEVELS.items()))
def test_red_flag_fires_on_yes_at_its_level(kb, make, flag_id, level):
    result = screen(make({"red_flags": {flag_id: "yes"}}), kb)
    assert result.red_flags == [flag_id]
    assert result.triage == level
    assert kb.red_flag(flag_id).level == level


@pytest.mark.parametrize("flag_id", sorted(RED_FLAG_LEVELS))
def test_red_flag_not_sure_counts_as_yes(kb, make, flag_id):
    result = screen(make({"red_flags": {flag_id: "unsure"}}), kb)
    assert result.red_flags == [flag_id]
    assert result.triage == RED_FLAG_LEVELS[flag_id]


@pytest.mark.parametrize("flag_id", sorted(RED_FLAG_LEVELS))
def test_red_flag_quiet_on_no(kb, make, flag_id):
    result = screen(make({"red_flags": {flag_id: "no"}}), kb)
    assert result.red_flags == []
    assert result.triage == "self_care"


@pytest.mark.parametrize("flag_id, spec", DERIVED_RED_FLAG_FIRES)
def test_derived_red_flag_fires(kb, make, flag_id, spec):
    result = screen(make(spec), kb)
    assert flag_id in result.red_flags
    assert result.triage == RED_FLAG_LEVELS[flag_id]
    assert result.stops_screen


@pytest.mark.parametrize("flag_id, spec", DERIVED_RED_FLAG_QUIET)
def test_derived_red_flag_quiet(kb, make, flag_id, spec):
    assert flag_id not in screen(make(spec), kb).red_flags


@pytest.mark.parametrize("finding_id, spec", FINDING_FIRE)
def test_finding_fires(kb, make, finding_id, spec):
    result = screen(make(spec), kb)
    assert finding_id in result.findings
    assert result.entry(f"findings.{finding_id}").kind == "finding"


@pytest.mark.parametrize("finding_id, spec", FINDING_QUIET)
def test_finding_quiet(kb, make, finding_id, spec):
    result = screen(make(spec), kb)
    assert finding_id not in result.findings
    assert result.entry(f"findings.{finding_id}") is None


@pytest.mark.parametrize("finding_id", sorted(FINDING_CASES))
def test_finding_alone_gives_the_protocol_triage(kb, make, finding_id):
    spec = FINDING_CASES[finding_id][0][0]
    result = screen(make(spec), kb)
    expected = "self_care" if finding_id in NON_REFERRING else "gait_analysis"
    assert result.triage == expected


@pytest.mark.parametrize("rule_id, spec", STRENGTH_FIRE)
def test_strength_rule_fires(kb, make, rule_id, spec):
    result = screen(make(spec), kb)
    assert rule_id in result.strength_rules
    assert result.strong_recommendation
    assert result.triage == "gait_analysis"


@pytest.mark.parametrize("rule_id, spec", STRENGTH_QUIET)
def test_strength_rule_quiet(kb, make, rule_id, spec):
    assert rule_id not in screen(make(spec), kb).strength_rules


@pytest.mark.parametrize("spec, allowed", [
    ({}, True),
    ({"pain_severity": 0}, True),
    ({"pain_severity": 6}, True),
    ({"pain_severity": 7}, False),
    ({"pain_severity": 10}, False),
    ({"pain_areas": ["knee"], "pain_timing": ["during_runs"], "pain_severity": 3}, True),
    ({"red_flags": {"nerve_symptoms": "yes"}, "pain_severity": 2}, False),
    ({"red_flags": {"nerve_symptoms": "no"}, "pain_severity": 2}, True),
])
def test_self_checks_offer_rule(kb, make, spec, allowed):
    result = screen(make(spec), kb)
    assert result.self_checks_allowed is allowed
    assert (result.self_checks_reason is None) is allowed
    entry = result.entry("self_checks")
    assert entry is not None and entry.sources


def test_pain_of_seven_or_more_is_the_severe_pain_red_flag_with_no_self_checks(kb, make):
    result = screen(make({"pain_areas": ["knee"], "pain_timing": ["during_runs"], "pain_severity": 8}), kb)
    assert result.red_flags == ["severe_pain"] and result.triage == "see_clinician"
    assert not result.self_checks_allowed


def test_self_checks_reason_after_red_flag_is_about_safety(kb, make):
    result = screen(make({"red_flags": {"calf_swelling": "yes"}}), kb)
    assert "safety" in result.self_checks_reason.lower()
