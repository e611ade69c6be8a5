"""The shipped extractor against a naive keyword list on the real-language set
(tests/nlu/real/: sentences grounded in runners' public posts, written blind).

    .venv/bin/python bench/nlu_real.py [--half dev|test] [--report reports/nlu_real.md]

Measures, per half: body-part F1 (areas that hurt now), negation accuracy (areas mentioned as
fine, past or only as a place, not taken as hurting), side accuracy and timing accuracy (exact
set). The test half is only scored: never read it to change the lexicon or the code.
Rasa's default pipeline is not scored here yet (it needs a trained model per run).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Set

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

REAL = ROOT / "tests" / "nlu" / "real"

# The naive baseline: one list of everyday words per area, no negation, first side word wins.
NAIVE_WORDS = {
    "knee": r"knee", "shin": r"shin", "calf": r"calf|calves", "achilles": r"achilles",
    "foot": r"foot|feet|heel|arch|plantar", "ankle": r"ankle", "hip_flexor": r"hip flexor",
    "hip": r"hip", "groin": r"groin", "it_band": r"it ?band|itb", "hamstring": r"hamstring|hammy",
    "quad": r"quad|thigh", "low_back": r"back", "glute": r"glute|butt|bum|buttock",
}


def naive(text: str) -> Dict[str, Any]:
    lower = text.lower()
    hurts = {area for area, words in NAIVE_WORDS.items() if re.search(rf"\b({words})", lower)}
    side = re.search(r"\b(left|right|both)\b", lower)
    timing = set()
    for timing_id, words in (("during_runs", r"during|while running|mid.run|when i run"),
                             ("after_runs", r"after"), ("next_morning", r"morning"),
                             ("at_rest", r"rest|night|sitting|in bed")):
        if re.search(rf"\b({words})", lower):
            timing.add(timing_id)
    return {"hurts": hurts, "side": side.group(1) if side else None, "timing": timing}


def shipped_reader() -> Callable[[str], Dict[str, Any]]:
    from bot.nlu.clinical_extractor import build_nlp

    nlp = build_nlp()

    def read(text: str) -> Dict[str, Any]:
        entities = nlp.extract(text)
        plain = [e for e in entities if e.get("role") is None]
        sides = {e["value"] for e in entities if e["entity"] == "side" and e.get("role") in (None, "plural")}
        side = "both" if "both" in sides or {"left", "right"} <= sides else next(iter(sides), None)
        return {"hurts": {e["value"] for e in plain if e["entity"] == "body_part"},
                "side": side,
                "timing": {e["value"] for e in plain if e["entity"] == "timing"}}
    return read


def score(sentences: List[Dict[str, Any]], read: Callable[[str], Dict[str, Any]]) -> Dict[str, float]:
    tp = fp = fn = 0
    fine_total = fine_ok = side_total = side_ok = timing_total = timing_ok = 0
    for item in sentences:
        got = read(item["text"])
        gold: Set[str] = set(item.get("hurts") or [])
        tp += len(got["hurts"] & gold)
        fp += len(got["hurts"] - gold)
        fn += len(gold - got["hurts"])
        for area in set(item.get("fine") or []) - gold:
            fine_total += 1
            fine_ok += area not in got["hurts"]
        if item.get("side"):
            side_total += 1
            side_ok += got["side"] == item["side"]
        if item.get("timing"):
            timing_total += 1
            timing_ok += got["timing"] == set(item["timing"])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "body-part F1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "negation accuracy": fine_ok / fine_total if fine_total else 0.0,
        "side accuracy": side_ok / side_total if side_total else 0.0,
        "timing accuracy": timing_ok / timing_total if timing_total else 0.0,
    }


def load(half: str) -> List[Dict[str, Any]]:
    return yaml.safe_load((REAL / f"{half}.yml").read_text())["sentences"]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--report", default=str(ROOT / "reports" / "nlu_real.md"))
    args = parser.parse_args(argv)
    halves = ("dev", "test") if args.half == "both" else (args.half,)
    readers = {"shipped extractor": shipped_reader(), "naive keyword list": naive}
    lines = ["# Real-language set: shipped extractor vs a naive keyword list", ""]
    for half in halves:
        sentences = load(half)
        lines += [f"## {half} half ({len(sentences)} sentences)", "",
                  "| reader | body-part F1 | negation accuracy | side accuracy | timing accuracy |",
                  "|---|---|---|---|---|"]
        for name, read in readers.items():
            result = score(sentences, read)
            lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in result.values()) + " |")
        lines.append("")
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
