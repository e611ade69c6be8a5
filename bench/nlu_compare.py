"""Shipped NLU pipeline vs Rasa's default, trained on the same data, scored on the held-out set.

    .venv/bin/python bench/nlu_compare.py [--models-dir /tmp/nlu-compare] [--report reports/nlu_comparison.md]

Trains one model at a time (`rasa train nlu`, fixed seeds, empty cache) into a temporary
directory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nlu.evaluate import HELDOUT, THRESHOLDS, evaluate, failures  # noqa: E402

PIPELINES = {
    "shipped (config.yml)": ROOT / "config.yml",
    "Rasa default (bench/default_config.yml)": ROOT / "bench" / "default_config.yml",
}
ENTITY_TYPES = ("body_part", "side", "timing", "injury", "gait_sign", "red_flag", "check_fault", "number")


def train(config: Path, out_dir: Path, name: str) -> Dict[str, Any]:
    # A fresh cache per model: Rasa would otherwise reuse cached components and the
    # train time would mean nothing.
    env = dict(os.environ, RASA_CACHE_DIRECTORY=str(out_dir / f"cache-{name}"))
    started = time.time()
    result = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rasa"), "train", "nlu", "--config", str(config),
         "--nlu", str(ROOT / "data" / "nlu"), "--out", str(out_dir), "--fixed-model-name", name],
        cwd=ROOT, capture_output=True, text=True, env=env,
    )
    model = out_dir / f"{name}.tar.gz"
    if result.returncode != 0 or not model.exists():
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
        raise SystemExit(f"training with {config} failed")
    return {"model": model, "train_seconds": time.time() - started}


def markdown(rows: Dict[str, Dict[str, Any]]) -> str:
    names = list(rows)
    header = "| metric | " + " | ".join(names) + " |"
    rule = "|---|" + "---|" * len(names)

    def row(label, get):
        return f"| {label} | " + " | ".join(get(rows[n]) for n in names) + " |"

    def prf(etype):
        def get(r):
            m = r["entities"]["per_type"].get(etype)
            return "-" if m is None else f"{m['precision']:.2f} / {m['recall']:.2f} / {m['f1']:.2f}"
        return get

    lines = [
        "# NLU pipeline comparison", "",
        f"Both trained with `rasa train nlu` on `data/nlu/` (fixed seeds) and scored on "
        f"`{HELDOUT.relative_to(ROOT)}` ({next(iter(rows.values()))['examples']} messages) by "
        "`tests/nlu/evaluate.py`. Entities match on type + normalised value + role.", "",
        header, rule,
        row("intent F1 (weighted)", lambda r: f"{r['intent']['f1_weighted']:.3f}"),
        row("intent F1 (macro)", lambda r: f"{r['intent']['f1_macro']:.3f}"),
        row("entity P / R / F1 (micro)", lambda r: "{precision:.2f} / {recall:.2f} / {f1:.3f}".format(**r["entities"]["micro"])),
    ]
    lines += [row(f"`{t}` P / R / F1", prf(t)) for t in ENTITY_TYPES]
    lines += [
        row("negation accuracy", lambda r: f"{r['negation']['accuracy']:.3f} ({r['negation']['mentions']} mentions)"),
        row("negated mentions tagged `negated`", lambda r: f"{r['negation']['negated_role_recall']:.3f}"),
        row("train time (s)", lambda r: f"{r['train_seconds']:.0f}"),
        row("parse time for the set (s, incl. model load)", lambda r: f"{r['parse_seconds']:.0f}"),
        row("thresholds", lambda r: "pass" if not failures(r) else "FAIL: " + "; ".join(failures(r))),
        "",
        f"Thresholds: entity F1 >= {THRESHOLDS['entity_f1']}, negation accuracy >= "
        f"{THRESHOLDS['negation_accuracy']}, weighted intent F1 >= {THRESHOLDS['intent_f1_weighted']}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models-dir", help="where to train (default: a fresh temp dir)")
    parser.add_argument("--report", default=str(ROOT / "reports" / "nlu_comparison.md"))
    args = parser.parse_args()
    out_dir = Path(args.models_dir or tempfile.mkdtemp(prefix="nlu-compare-"))
    out_dir.mkdir(parents=True, exist_ok=True)

    rows: Dict[str, Dict[str, Any]] = {}
    for i, (label, config) in enumerate(PIPELINES.items()):
        print(f"training {label} ...", flush=True)
        trained = train(config, out_dir, f"pipeline{i}")
        results = evaluate(trained["model"])
        results["train_seconds"] = trained["train_seconds"]
        rows[label] = results
        print(f"  intent F1 {results['intent']['f1_weighted']:.3f}  entity F1 "
              f"{results['entities']['micro']['f1']:.3f}  negation {results['negation']['accuracy']:.3f}",
              flush=True)

    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(rows), encoding="utf-8")
    report.with_suffix(".json").write_text(
        json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "errors"} for k, v in rows.items()},
                   indent=2, default=str),
        encoding="utf-8",
    )
    print(f"report: {report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
