"""The held-out NLU evaluation against the model trained from the current data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest

from scripts.train import model_path
from tests.background import BACKGROUND, niced
from tests.nlu.evaluate import HELDOUT, THRESHOLDS, failures, load_heldout

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.model


REPORT = ROOT / "test-output" / "nlu_eval.md"


def _evaluate() -> Dict[str, Any]:
    """The evaluation in its own process (tests/nlu/evaluate.py), beside the other tests
    (tests/background.py): loading the model costs most of a minute."""
    model = model_path()
    if not model.exists():
        raise RuntimeError(f"no model for the current data at {model}: run scripts/train.py (scripts/test.sh does)")
    REPORT.with_suffix(".json").unlink(missing_ok=True)
    finished = subprocess.run(niced([sys.executable, "-m", "tests.nlu.evaluate", "--model", str(model),
                                     "--report", str(REPORT)]),
                              cwd=ROOT, capture_output=True, text=True, timeout=900)
    if not REPORT.with_suffix(".json").exists():
        raise RuntimeError(f"the held-out evaluation wrote no report:\n{finished.stderr[-3000:]}")
    return json.loads(REPORT.with_suffix(".json").read_text(encoding="utf-8"))


BACKGROUND.define("heldout_results", _evaluate)


@pytest.fixture(scope="module")
def heldout_results():
    return BACKGROUND.result("heldout_results")


def test_heldout_set_is_big_and_annotated():
    examples = load_heldout(HELDOUT)
    assert len(examples) >= 170
    negated = [e for x in examples for e in x["entities"] if e.get("role") == "negated"]
    assert len(negated) >= 30


def test_entity_f1(heldout_results):
    assert heldout_results["entities"]["micro"]["f1"] >= THRESHOLDS["entity_f1"], failures(heldout_results)


def test_negation_accuracy(heldout_results):
    assert heldout_results["negation"]["accuracy"] >= THRESHOLDS["negation_accuracy"], failures(heldout_results)


def test_intent_f1(heldout_results):
    assert heldout_results["intent"]["f1_weighted"] >= THRESHOLDS["intent_f1_weighted"], failures(heldout_results)


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
