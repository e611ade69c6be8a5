"""What the runner reads, and what the clinician gets."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from actions.screening import clinician_summary, compose_result_messages, screen, summary_markdown

WHEN = datetime(2025, 3, 4, 9, 30, tzinfo=timezone.utc)


def messages_for(kb, clinic, answers):
    result = screen(answers, kb)
    return result, compose_result_messages(result, answers, kb, clinic)


def test_runner_words_felt_where(kb, clinic, make):
    _, msgs = messages_for(kb, clinic, make({"activation.felt_where": ["hamstring"]}))
    text = " ".join(msgs)
    assert "your hamstring" in text
    assert "glute max" in text  # the glute behind it
    assert "hamstring strains" in text  # an injury it is linked to


def test_runner_words_pain_areas_with_side(kb, clinic, make):
    _, msgs = messages_for(kb, clinic, make({"pain_areas": ["knee", "shin"], "pain_side": "left",
                                             "pain_timing": ["after_runs"]}))
    text = " ".join(msgs)
    assert "your left knee and shin" in text
    assert "after runs" in text
    assert "runner's knee" in text and "shin splints" in text


def test_runner_words_weaker_side_and_balance(kb, clinic, make):
    _, msgs = messages_for(kb, clinic, make({"activation.harder_side": "right",
                                             "balance.problem_side": "left",
                                             "balance.faults": ["knee_caved"]}))
    text = " ".join(msgs)
    assert "your right side" in text
    assert "your left leg" in text and "knee caved in" in text


def test_findings_shown_in_weight_order(kb, clinic, make):
    result, msgs = messages_for(kb, clinic, make({"gait_signs": ["forward_lean", "pelvic_drop"]}))
    lean = next(i for i, m in enumerate(msgs) if "bend forward at the hips" in m)
    drop = next(i for i, m in enumerate(msgs) if "hip dips" in m)
    assert drop < lean


def test_gait_analysis_has_booking_link_and_what_it_looks_at(kb, clinic, make):
    result, msgs = messages_for(kb, clinic, make({"running_effort": "yes"}))
    assert result.triage == "gait_analysis"
    text = " ".join(msgs)
    assert clinic["booking_url"] in text and clinic["phone"] in text and clinic["name"] in text
    assert "cadence" in text and "film" in text
    assert clinic["emergency_number"] in text
    assert "not a diagnosis" in msgs[-1]


def test_strong_recommendation_is_said(kb, clinic, make):
    _, msgs = messages_for(kb, clinic, make({"balance.problem_side": "left", "pain_areas": ["knee"],
                                             "pain_timing": ["during_runs"]}))
    assert "strongly" in msgs[0]


def test_many_findings_are_capped_and_the_rest_named(kb, clinic, make):
    answers = make({"gait_signs": ["overstriding", "low_knee_drive", "anterior_pelvic_tilt", "pelvic_drop",
                                   "crossover", "forward_lean"], "sitting_hours": 9})
    result, msgs = messages_for(kb, clinic, answers)
    assert len(result.findings) == 7
    also = next(m for m in msgs if m.startswith("I also noticed"))
    assert "long hours of sitting" in also and "leaning forward at the hips" in also


def test_emergency_has_the_emergency_number_first(kb, clinic, make):
    result, msgs = messages_for(kb, clinic, make({"red_flags": {"chest_symptoms": "yes"}}))
    assert result.triage == "emergency"
    assert clinic["emergency_number"] in msgs[0]
    assert clinic["booking_url"] not in " ".join(msgs)
    assert "not a diagnosis" in msgs[-1]


def test_urgent_care_names_where_to_go(kb, clinic, make):
    _, msgs = messages_for(kb, clinic, make({"red_flags": {"achilles_rupture": "unsure"}}))
    assert clinic["urgent_care"] in msgs[0]
    assert any("Achilles" in m for m in msgs)


def test_self_care_when_everything_is_clear(kb, clinic, make):
    answers = make({"red_flags": {"chest_symptoms": "no"}, "no_pain": True, "running_effort": "no",
                    "sitting_hours": 3, "activation.harder_side": "neither", "activation.felt_where": ["glute"],
                    "balance.problem_side": "neither", "balance.lateral_hip_pain": "no",
                    "donkey_kick.reps_left": 10, "donkey_kick.reps_right": 9})
    result, msgs = messages_for(kb, clinic, answers)
    assert result.triage == "self_care" and result.findings == []
    text = " ".join(msgs)
    assert "Keep doing" in text and "Come back" in text
    assert "sit for about" not in text
    assert clinic["emergency_number"] in text
    assert "not a diagnosis" in msgs[-1]


def test_self_care_gives_sitting_advice_when_sitting_long(kb, clinic, make):
    result, msgs = messages_for(kb, clinic, make({"sitting_hours": 9.5}))
    assert result.triage == "self_care"
    assert any("9.5 hours" in m for m in msgs)


def test_missing_clinic_details_fall_back_safely(kb, make):
    result = screen(make({"red_flags": {"clot_in_lung": "yes"}}), kb)
    msgs = compose_result_messages(result, make({}), kb, {})
    assert "your local emergency number" in msgs[0]


@pytest.mark.parametrize("spec", [
    {"red_flags": {"chest_symptoms": "yes", "nerve_symptoms": "unsure"}},
    {"pain_areas": ["knee", "shin", "calf", "achilles", "foot", "hip", "it_band", "hamstring", "low_back"],
     "pain_side": "both", "pain_timing": ["during_runs", "after_runs", "next_morning"],
     "injuries": ["patellofemoral_pain", "shin_splints", "stress_fracture", "calf_strain", "hip_injury"],
     "donkey_kick.faults": ["thighs_apart", "glute_not_felt", "hips_lifted", "back_arched", "knee_dropped"],
     "donkey_kick.reps_left": 2, "balance.faults": ["could_not_hold", "hip_dropped", "knee_caved", "trunk_leaned"],
     "balance.problem_side": "both", "activation.felt_where": ["hamstring", "low_back", "hip_flexor"]},
])
def test_messages_stay_short(kb, clinic, make, spec):
    _, msgs = messages_for(kb, clinic, make(spec))
    assert all(len(m) < 600 for m in msgs), max(msgs, key=len)


def test_no_medication_advice_anywhere(kb, clinic, make):
    words = ("ibuprofen", "paracetamol", "painkiller", "medication", "medicine", "tablet", "aspirin",
             "anti-inflammator")
    texts = [m.replace(clinic["name"], "") for spec in (
        {}, {"running_effort": "yes"}, {"red_flags": {"hot_swollen_joint": "yes"}}, {"sitting_hours": 9})
        for m in messages_for(kb, clinic, make(spec))[1]]
    texts += [f.explanation for f in kb.findings] + [f.advice for f in kb.red_flags]
    texts += [t for level in kb.triage.values() for t in level.texts.values()]
    assert not [t for t in texts if any(w in t.lower() for w in words)]


def test_clinician_summary_round_trips_and_has_everything(kb, make):
    answers = make({"red_flags": {"bone_stress_signs": "unsure", "chest_symptoms": "no"},
                    "pain_areas": ["shin"], "pain_timing": ["during_runs"],
                    "balance.lateral_hip_pain": "yes", "activation.felt_where": ["hamstring"]})
    result = screen(answers, kb)
    summary = clinician_summary(answers, result, kb, WHEN)
    assert json.loads(json.dumps(summary)) == summary
    assert summary["screened_at"] == "2025-03-04T09:30:00+00:00"
    assert summary["triage"] == "see_clinician"
    assert summary["kb_version"] == kb.version
    assert summary["red_flags"] == [{
        "id": "bone_stress_signs", "rule_id": "red_flags.bone_stress_signs", "level": "see_clinician",
        "label": kb.red_flag("bone_stress_signs").label, "answer": "unsure", "derived": False,
        "matched": {"red_flags.bone_stress_signs": "unsure"}, "sources": ["BSI"]}]
    by_id = {f["id"]: f for f in summary["findings"]}
    assert by_id["activation_compensation"]["matched"] == {"activation.felt_where": ["hamstring"]}
    assert by_id["activation_compensation"]["rule_id"] == "findings.activation_compensation"
    assert by_id["activation_compensation"]["sources"] == ["SEED", "LEWIS"]
    assert "glute max" in by_id["activation_compensation"]["glute"]
    assert summary["answers"]["pain_areas"] == ["shin"]
    assert summary["answers"]["balance"]["lateral_hip_pain"] == "yes"
    assert summary["self_checks"]["checks"]["balance"] == {
        "status": "done", "result": "positive", "findings": ["lateral_hip_pain_on_balance"]}
    assert summary["self_checks"]["checks"]["donkey_kick"]["result"] == "not_offered"
    notes = " ".join(summary["notes"])
    assert "gluteal tendinopathy" in notes
    assert "not sure" in notes
    assert set(summary["sources"]) >= {"BSI", "SEED", "LEWIS", "TRENDELENBURG"}


def test_summary_notes_derived_red_flag(kb, make):
    answers = make({"pain_areas": ["foot"], "pain_timing": ["at_rest"]})
    summary = clinician_summary(answers, screen(answers, kb), kb, WHEN)
    flag = summary["red_flags"][0]
    assert flag["id"] == "bone_stress_signs" and flag["derived"] and flag["answer"] is None
    assert flag["matched"] == {"pain_timing": ["at_rest"]}


def test_summary_markdown_lists_rule_ids_and_sources(kb, make):
    answers = make({"gait_signs": ["crossover"], "red_flags": {"nerve_symptoms": "yes"},
                    "activation.harder_side": "left", "donkey_kick.faults": ["back_arched"]})
    result = screen(answers, kb)
    md = summary_markdown(clinician_summary(answers, result, kb, WHEN))
    for rule_id in ("findings.crossover", "findings.activation_asymmetry",
                    "findings.donkey_kick_compensation", "red_flags.nerve_symptoms",
                    "strength.two_positive_self_checks"):
        assert rule_id in md
    assert "| Rule id |" in md and "MEARDON" in md and "GENERAL" in md
    assert "**see_clinician**" in md
