"""The one loader of clinic/clinic.yml (core/clinic.py): checked, cached, re-read on change,
and free of Rasa."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from core.clinic import ClinicConfigError, load_clinic

ROOT = Path(__file__).resolve().parents[1]


def test_an_edit_of_the_clinic_file_is_seen_without_a_restart(tmp_path):
    clinic = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic), encoding="utf-8")
    assert load_clinic(path)["phone"] == clinic["phone"]
    clinic["phone"] = "+1 555 0199"
    path.write_text(yaml.safe_dump(clinic), encoding="utf-8")
    assert load_clinic(path)["phone"] == "+1 555 0199"


def test_a_clinic_file_without_a_phone_number_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "clinic.yml"
    path.write_text("name: Stride\nphone: ''\n", encoding="utf-8")
    with pytest.raises(ClinicConfigError, match=f"{path}.*phone"):
        load_clinic(path)


def test_the_core_imports_no_rasa():
    code = ("import sys, core.clinic; bad = [m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
