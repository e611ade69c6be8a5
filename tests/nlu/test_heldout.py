"""The held-out NLU evaluation against the model trained from the current data."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.train import model_path
from tests.nlu.evaluate import HELDOUT, THRESHOLDS, evaluate, failures, load_heldout, write_report

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def results():
    model = model_path()
    assert model.exists(), f"no model for the current data at {model}: run scripts/train.py (scripts/test.sh does)"
    results = evaluate(model)
    write_report(results, ROOT / "test-output" / "nlu_eval.md")
    return results


def test_heldout_set_is_big_and_annotated():
    examples = load_heldout(HELDOUT)
    assert len(examples) >= 170
    negated = [e for x in examples for e in x["entities"] if e.get("role") == "negated"]
    assert len(negated) >= 30


def test_entity_f1(results):
    assert results["entities"]["micro"]["f1"] >= THRESHOLDS["entity_f1"], failures(results)


def test_negation_accuracy(results):
    assert results["negation"]["accuracy"] >= THRESHOLDS["negation_accuracy"], failures(results)


def test_intent_f1(results):
    assert results["intent"]["f1_weighted"] >= THRESHOLDS["intent_f1_weighted"], failures(results)


def test_heldout_is_not_copied_from_training_data():
    import re

    def words(text):
        return set(re.findall(r"[a-z0-9']+", text.lower()))

    training = [words(e["text"]) for f in sorted((ROOT / "data" / "nlu").glob("*.yml"))
                for e in load_heldout(f)]
    for example in load_heldout(HELDOUT):
        held = words(example["text"])
        for seen in training:
            overlap = len(held & seen) / len(held | seen)
            assert overlap < 0.75, f"held-out {example['text']!r} is too close to a training example"
