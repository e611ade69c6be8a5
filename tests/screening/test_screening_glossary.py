"""The glossary: plain definitions found from a term or from a runner's question."""

from __future__ import annotations

import pytest

from actions.screening import KnowledgeBaseError, define, load_glossary

# Terms the runner-facing text uses; each must be defined (hand-written list from the brief).
REQUIRED = {
    "glute max": "glute_max", "glute medius": "glute_medius", "glute minimus": "glute_minimus",
    "gait analysis": "gait_analysis", "overstriding": "overstriding", "crossover": "crossover",
    "pelvic drop": "pelvic_drop", "anterior pelvic tilt": "anterior_pelvic_tilt",
    "knee drive": "knee_drive", "low knee drive": "low_knee_drive", "forward lean": "forward_lean",
    "cadence": "cadence", "hip extension": "hip_extension", "IT band": "it_band",
    "patellofemoral pain": "patellofemoral_pain", "plantar fasciitis": "plantar_fasciitis",
    "achilles tendinopathy": "achilles_tendinopathy", "shin splints": "shin_splints",
    "stress fracture": "stress_fracture", "gluteal tendinopathy": "gluteal_tendinopathy",
    "activation squeeze": "activation_squeeze", "knee-drive balance": "knee_drive_balance",
    "donkey kick": "donkey_kick", "red flag": "red_flag", "triage": "triage",
}


@pytest.fixture(scope="module")
def glossary():
    return load_glossary()


@pytest.mark.parametrize("name, term_id", sorted(REQUIRED.items()))
def test_required_terms_are_defined(glossary, name, term_id):
    assert glossary.find(name) == term_id
    text = define(name)
    assert text and len(text) < 400


@pytest.mark.parametrize("question, term_id", [
    ("what is overstriding?", "overstriding"),
    ("What does 'low knee drive' mean", "low_knee_drive"),
    ("what's knee drive", "knee_drive"),
    ("how do I do the knee drive balance thing", "knee_drive_balance"),
    ("what's the gluteus medius", "glute_medius"),
    ("explain runner's knee please", "patellofemoral_pain"),
    ("what are shin splints", "shin_splints"),
    ("whats ITB", "it_band"),
    ("Donkey kicks?", "donkey_kick"),
    ("what are my glutes", "glutes"),
    ("what do you mean by red flags", "red_flag"),
])
def test_define_finds_terms_in_questions(glossary, question, term_id):
    assert glossary.find(question) == term_id
    assert define(question) == glossary.terms[term_id]["text"]


@pytest.mark.parametrize("text", ["", "hello there", "what time is it", "book me in"])
def test_define_returns_none_for_unknown(text):
    assert define(text) is None


def test_broken_glossary_is_refused(tmp_path):
    path = tmp_path / "glossary.yml"
    path.write_text("terms:\n  cadence: {names: [steps], txt: 'typo'}\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="term 'cadence'"):
        load_glossary(path)
