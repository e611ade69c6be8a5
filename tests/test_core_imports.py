"""The neutral core imports neither Rasa nor rasa_sdk, nor the servers built on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_importing_the_core_loads_no_rasa_and_no_server_package():
    modules = sorted(p.stem for p in (ROOT / "core").glob("*.py") if p.stem != "__init__")
    script = ("import sys\n" + "".join(f"import core.{m}\n" for m in modules) +
              "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('rasa', 'rasa_sdk', 'actions', 'bot'))\n"
              "print(','.join(bad))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert modules and result.stdout.strip() == "", f"the core pulls in: {result.stdout.strip()}"
