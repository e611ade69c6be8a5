"""Rasa's own checks: the training data is consistent, and every test story is predicted."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.actions.helpers import responses_sent_by_code
from tests.background import BACKGROUND, BATCH_NICENESS, niced
from tests.servers import ROOT, VENV_BIN, model_path

OUTPUT = ROOT / "test-output"


def rasa(*args: str, timeout: int = 900, nice: int = 0) -> subprocess.CompletedProcess:
    return subprocess.run(niced([str(VENV_BIN / "rasa"), *args], nice), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def _test_stories() -> subprocess.CompletedProcess:
    """`rasa test core` over tests/stories, beside the other tests (tests/background.py)."""
    return rasa("test", "core", "--model", str(model_path()), "--stories", "tests/stories",
                "--fail-on-prediction-errors", "--out", str(OUTPUT / "stories"), nice=BATCH_NICENESS)


BACKGROUND.define("story_test", _test_stories)


@pytest.fixture(scope="module")
def story_test() -> subprocess.CompletedProcess:
    return BACKGROUND.result("story_test")


def test_training_data_validates_without_warnings():
    """`rasa data validate` passes and warns about nothing real.

    Rasa 3.6's validator only looks at stories and rules for responses, so it flags every
    response that a form asks or a custom action sends as "not used". Those, and only those,
    are accepted here, after checking that a form question or an action really sends them.
    """
    result = rasa("data", "validate")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    sent_by_code = responses_sent_by_code()
    warnings = re.findall(r"UserWarning: (.*)", output)
    real = [w for w in warnings
            if not (m := re.fullmatch(r"The utterance '(\w+)' is not used in any story or rule\.", w.strip()))
            or m.group(1) not in sent_by_code]
    assert not real, "\n".join(real)


@pytest.mark.model
def test_every_test_story_is_predicted_without_errors(story_test):
    failed = OUTPUT / "stories" / "failed_test_stories.yml"
    details = failed.read_text()[-4000:] if failed.exists() else (story_test.stdout + story_test.stderr)[-4000:]
    assert story_test.returncode == 0, details
