"""Train the Rasa model only when its inputs changed; print the model's path.

The model's name carries a fingerprint of everything training reads (config, domain,
training data and the custom NLU components), so an unchanged project reuses its model and
a changed one can never be served a stale model. Seeds in config.yml make training
reproducible.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "models"
# The lexicon (clinic/lexicon.yml) is read when the Rasa server starts, so editing it
# needs a restart, not a new model. The custom NLU components (bot/nlu/) are not trainable:
# the model names them and their code is loaded when the server starts, so a code change
# needs a restart too, not a new model (their settings are in config.yml, which counts).
INPUTS = ["config.yml", "domain.yml", "data"]
# The red-flag net's own examples are read when the server starts, like the lexicon.
NOT_INPUTS = ["data/red_flags"]


def fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        path = ROOT / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".pyc",) or "__pycache__" in file.parts or any(
                    file.is_relative_to(ROOT / skip) for skip in NOT_INPUTS):
                continue
            digest.update(str(file.relative_to(ROOT)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> Path:
    return MODELS / f"screener-{fingerprint()}.tar.gz"


def main() -> int:
    target = model_path()
    if target.exists():
        print(f"train: model is up to date: {target.relative_to(ROOT)}", file=sys.stderr)
    else:
        print("train: training data or config changed; training (about 2 minutes)", file=sys.stderr)
        started = time.time()
        result = subprocess.run(
            [str(ROOT / ".venv/bin/rasa"), "train", "--fixed-model-name", target.name[: -len(".tar.gz")],
             "--out", str(MODELS)],
            cwd=ROOT,
        )
        if result.returncode != 0 or not target.exists():
            print("train: training failed (see above)", file=sys.stderr)
            return 1
        print(f"train: trained in {time.time() - started:.0f} s: {target.relative_to(ROOT)}", file=sys.stderr)
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
