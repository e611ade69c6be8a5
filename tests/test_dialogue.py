"""Rasa's own checks: the training data is consistent, and every test story is predicted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.servers import ROOT, VENV_BIN, model_path

OUTPUT = ROOT / "test-output"


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "rasa"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


def test_training_data_validates_without_warnings():
    result = rasa("data", "validate", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "UserWarning" not in output, output[-4000:]


@pytest.mark.model
def test_every_test_story_is_predicted_without_errors():
    out = OUTPUT / "stories"
    result = rasa("test", "core", "--model", str(model_path()), "--stories", "tests/stories",
                  "--fail-on-prediction-errors", "--out", str(out))
    failed = out / "failed_test_stories.yml"
    details = failed.read_text()[-4000:] if failed.exists() else (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, details
