"""The knowledge base refuses broken files with clear messages (file, rule id, problem)."""

from __future__ import annotations

import copy
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from actions.screening import KnowledgeBaseError, load_knowledge_base
from actions.screening.validate import main as validate_main

ROOT = Path(__file__).resolve().parents[2]


def finding(data, fid):
    return next(f for f in data["findings"] if f["id"] == fid)


def red_flag(data, fid):
    return next(f for g in data["red_flag_groups"] for f in g["flags"] if f["id"] == fid)


def write(tmp_path, data, name="broken_rules.yml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def errors_for(tmp_path, rules_data, mutate):
    data = copy.deepcopy(rules_data)
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge_base(path)
    return str(info.value), info.value.errors


# (case name, mutation, words every message for it must contain)
BREAKAGES = [
    ("unknown top-level key", lambda d: d.update(extras={}), ["top level", "unknown key 'extras'"]),
    ("unknown rule key", lambda d: finding(d, "crossover").update(wieght=3),
     ["finding 'crossover'", "unknown key 'wieght'"]),
    ("unknown red flag key", lambda d: red_flag(d, "calf_swelling").update(urgency="high"),
     ["red flag 'calf_swelling'", "unknown key 'urgency'"]),
    ("past_counts not true or false", lambda d: red_flag(d, "cardiac_history").update(past_counts="yes"),
     ["red flag 'cardiac_history'", "'past_counts' must be true or false"]),
    ("unknown field", lambda d: finding(d, "overstriding").update(when={"field": "gait_sign", "contains": "overstriding"}),
     ["finding 'overstriding'", "unknown answer field 'gait_sign'"]),
    ("op not allowed for kind", lambda d: finding(d, "prolonged_sitting").update(when={"field": "sitting_hours", "contains": 8}),
     ["finding 'prolonged_sitting'", "'contains' is not allowed on number field 'sitting_hours'"]),
    ("comparison on a list", lambda d: finding(d, "crossover").update(when={"field": "pain_areas", "gte": 2}),
     ["finding 'crossover'", "'gte' is not allowed on list field 'pain_areas'"]),
    ("value not in vocabulary", lambda d: finding(d, "pelvic_drop").update(when={"field": "gait_signs", "contains": "hip_hike"}),
     ["finding 'pelvic_drop'", "value 'hip_hike' is not in the vocabulary of 'gait_signs'"]),
    ("vocabulary in a nested condition", lambda d: red_flag(d, "bone_stress_signs").update(also_when={"all": [{"field": "pain_timing", "contains": "at_rest"}, {"field": "pain_areas", "any_of": ["shin", "elbow"]}]}),
     ["red flag 'bone_stress_signs'", "also_when.all[1]", "value 'elbow'"]),
    ("undefined finding in strength rule", lambda d: d["strength"][1]["when"]["all"][0].update(finding="single_leg_wobble"),
     ["strength rule 'unstable_leg_with_linked_pain'", "finding 'single_leg_wobble', which is never defined"]),
    ("undefined finding in findings_count", lambda d: d["strength"][0].update(when={"findings_count": {"of": ["crossover", "ghost"], "gte": 2}}),
     ["strength rule 'two_positive_self_checks'", "finding 'ghost', which is never defined"]),
    ("finding leaf outside strength rules", lambda d: finding(d, "crossover").update(when={"finding": "overstriding"}),
     ["finding 'crossover'", "only allowed in strength rules"]),
    ("rule without sources", lambda d: finding(d, "forward_lean").pop("sources"),
     ["finding 'forward_lean'", "missing key 'sources'"]),
    ("empty sources", lambda d: red_flag(d, "nerve_symptoms").update(sources=[]),
     ["red flag 'nerve_symptoms'", "has no sources"]),
    ("source not in table", lambda d: finding(d, "crossover").update(sources=["SEED", "MADEUP"]),
     ["finding 'crossover'", "source 'MADEUP' is not in the sources table"]),
    ("source removed from table", lambda d: d["sources"].pop("OTTAWA"),
     ["red flag 'cannot_bear_weight'", "source 'OTTAWA' is not in the sources table"]),
    ("level not one of five", lambda d: d["red_flag_groups"][1].update(level="critical"),
     ["red flag group #2", "level 'critical' is not one of emergency, urgent_care, see_clinician, gait_analysis, self_care"]),
    ("red flag group at a non red flag level", lambda d: d["red_flag_groups"][2].update(level="self_care"),
     ["red flag group #3", "level 'self_care' cannot be a red flag level"]),
    ("unknown triage level", lambda d: d["triage"].update(urgent={"headline": "x"}),
     ["triage 'urgent'", "level 'urgent' is not one of"]),
    ("duplicate finding id", lambda d: d["findings"].append(copy.deepcopy(finding(d, "crossover"))),
     ["finding 'crossover'", "duplicate id"]),
    ("id shared by red flag and finding", lambda d: finding(d, "crossover").update(id="calf_swelling"),
     ["finding 'calf_swelling'", "duplicate id (already used by a red flag)"]),
    ("unknown placeholder", lambda d: finding(d, "activation_compensation").update(explanation="You felt it in {felt_were}."),
     ["finding 'activation_compensation'", "unknown placeholder '{felt_were}'"]),
    ("unknown placeholder in triage text", lambda d: d["triage"]["gait_analysis"].update(how_to_book="Book at {booking_link}."),
     ["triage 'gait_analysis'", "unknown placeholder '{booking_link}'"]),
    ("bare yes in YAML", lambda d: finding(d, "running_feels_harder").update(when={"field": "running_effort", "equals": True}),
     ["finding 'running_feels_harder'", "value 'True'", 'write "yes" or "no" in quotes']),
    ("two operators in one leaf", lambda d: finding(d, "prolonged_sitting").update(when={"field": "sitting_hours", "gte": 8, "lt": 20}),
     ["finding 'prolonged_sitting'", "exactly one operator"]),
]


@pytest.mark.parametrize("case, mutate, expected", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_validation_error(tmp_path, rules_data, case, mutate, expected):
    message, errors = errors_for(tmp_path, rules_data, mutate)
    matching = [e for e in errors if all(word in e for word in expected)]
    assert matching, f"no error mentions {expected}:\n{message}"
    assert all(e.startswith(str(tmp_path / "broken_rules.yml")) for e in errors)


def test_all_errors_are_collected_one_per_line(tmp_path, rules_data):
    def mutate(d):
        d["surprise"] = 1
        finding(d, "crossover")["sources"] = ["NOPE"]
        finding(d, "overstriding")["when"] = {"field": "gait_signs", "contains": "moonwalk"}
    message, errors = errors_for(tmp_path, rules_data, mutate)
    assert len(errors) == 3
    assert message.splitlines() == errors
    assert "surprise" in errors[0] and "NOPE" in message and "moonwalk" in message


def test_invalid_yaml(tmp_path):
    path = tmp_path / "bad.yml"
    path.write_text("findings: [\n", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="bad.yml: not valid YAML"):
        load_knowledge_base(path)


def test_missing_file(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="nothing.yml"):
        load_knowledge_base(tmp_path / "nothing.yml")


def test_validate_main_in_process(tmp_path, rules_data, capsys):
    assert validate_main([str(ROOT / "clinic" / "screening_rules.yml")]) == 0
    assert capsys.readouterr().out.strip() == "OK: 16 red flags, 15 findings"
    data = copy.deepcopy(rules_data)
    finding(data, "crossover")["sources"] = ["NOPE"]
    assert validate_main([str(write(tmp_path, data))]) == 1
    assert "source 'NOPE' is not in the sources table" in capsys.readouterr().err


def _run_cli(*args):
    return subprocess.run([sys.executable, "-m", "actions.screening.validate", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_validate_cli_ok_on_shipped_file():
    proc = _run_cli()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "OK: 16 red flags, 15 findings"


def test_validate_cli_fails_on_broken_file(tmp_path, rules_data):
    data = copy.deepcopy(rules_data)
    red_flag(data, "chest_symptoms")["sources"] = ["CARDIOLOGY"]
    path = write(tmp_path, data)
    proc = _run_cli(str(path))
    assert proc.returncode == 1
    assert "red flag 'chest_symptoms': source 'CARDIOLOGY' is not in the sources table" in proc.stderr
    assert str(path) in proc.stderr


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def test_random_damage_is_reported_not_crashed(rules_data):
    """Any structural damage gives a KnowledgeBaseError (or a valid file), never a traceback."""
    from actions.screening.knowledge import knowledge_base_from_data

    rng = random.Random(20250101)
    paths = list(_paths(rules_data))[1:]
    junk = [None, 0, -1, True, "x", "{oops", [], {}, [1], {"a": 1}, {"field": "x"}, ["SEED"], {1: 2}]
    for _ in range(300):
        data = copy.deepcopy(rules_data)
        for _ in range(rng.randint(1, 3)):
            *parents, last = rng.choice(paths)
            node = data
            try:
                for key in parents:
                    node = node[key]
                if isinstance(node, dict) and rng.random() < 0.2:
                    node.pop(last, None)
                else:
                    node[last] = copy.deepcopy(rng.choice(junk))
            except (KeyError, IndexError, TypeError):
                continue  # an earlier change removed this path
        try:
            knowledge_base_from_data(data, name="damaged.yml")
        except KnowledgeBaseError as exc:
            assert exc.errors and all(e.startswith("damaged.yml: ") for e in exc.errors)


def test_validate_fails_when_a_red_flag_has_no_phrases_in_the_lexicon(tmp_path, capsys, monkeypatch):
    from actions.screening import validate

    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("entities:\n  red_flag:\n    chest_symptoms: [chest pain]\n")
    monkeypatch.setattr(validate, "LEXICON", lexicon)
    assert validate.main([]) == 1
    err = capsys.readouterr().err
    assert "no phrases for" in err and "severe_pain" in err and "chest_symptoms," not in err


def test_the_clinics_tools_report_a_broken_rules_file_instead_of_crashing(tmp_path):
    # The rules file the bot would load ($SCREENING_RULES) is broken: the validator says what
    # is wrong (no traceback from importing the action server first), and the records tool
    # (forget, purge) still works.
    broken = tmp_path / "screening_rules.yml"
    broken.write_text((ROOT / "clinic" / "screening_rules.yml").read_text() + "\nthis: [is broken\n")
    env = {**os.environ, "SCREENING_RULES": str(broken), "DATABASE_URL": f"sqlite:///{tmp_path / 'records.db'}"}
    proc = subprocess.run([sys.executable, "-m", "actions.screening.validate"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "not valid YAML" in proc.stderr and str(broken) in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "actions.records", "purge", "--dry-run"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
