"""Held-out NLU evaluation: intent F1, entity P/R/F1 per type, negation accuracy.

    python -m tests.nlu.evaluate --model models/ --report reports/nlu_eval.md

Entities match on type + normalised value + role (per message, as sets). Exits 1 when a
threshold fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

ROOT = Path(__file__).resolve().parents[2]
HELDOUT = ROOT / "tests" / "nlu" / "heldout.yml"
THRESHOLDS = {"entity_f1": 0.90, "negation_accuracy": 0.95, "intent_f1_weighted": 0.90}
NEGATED = "negated"
IGNORED_ENTITIES = {"input_problem"}

Mention = Tuple[str, str, Optional[str]]  # (type, value, role)


def latest_model(path: os.PathLike) -> Path:
    """The newest .tar.gz in a directory, or the file itself."""
    path = Path(path)
    if path.is_file():
        return path
    models = sorted(path.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no trained model (*.tar.gz) in {path}")
    return models[-1]


def load_heldout(path: os.PathLike = HELDOUT) -> List[Dict[str, Any]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        {"text": m.get("text"), "intent": m.get("intent"), "entities": m.get("entities") or []}
        for m in data.training_examples
    ]


def _value(entity_type: str, value: Any) -> str:
    if entity_type == "number":
        try:
            return f"{float(value):g}"
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def mentions(entities: Iterable[Dict[str, Any]]) -> Set[Mention]:
    return {
        (e["entity"], _value(e["entity"], e.get("value")), e.get("role"))
        for e in entities
        if e.get("entity") not in IGNORED_ENTITIES
    }


def model_parser(model: os.PathLike) -> Callable[[str], Dict[str, Any]]:
    """A text -> Rasa parse-result function backed by a trained model."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # otherwise every parse is logged
    agent = Agent.load(str(latest_model(model)))
    loop = asyncio.new_event_loop()
    return lambda text: loop.run_until_complete(agent.parse_message(text))


def score(examples: List[Dict[str, Any]], predictions: List[Dict[str, Any]]) -> Dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    gold_intents = [e["intent"] for e in examples]
    pred_intents = [(p.get("intent") or {}).get("name") or "None" for p in predictions]
    labels = sorted(set(gold_intents))
    p, r, f, support = precision_recall_fscore_support(
        gold_intents, pred_intents, labels=labels, zero_division=0
    )
    per_intent = {
        label: {"precision": p[i], "recall": r[i], "f1": f[i], "support": int(support[i])}
        for i, label in enumerate(labels)
    }

    counts: Dict[str, Counter] = defaultdict(Counter)
    negation_total = negation_correct = negation_role = 0
    errors: List[Dict[str, Any]] = []
    for i, (example, prediction) in enumerate(zip(examples, predictions)):
        gold = mentions(example["entities"])
        pred = mentions(prediction.get("entities") or [])
        for m in gold & pred:
            counts[m[0]]["tp"] += 1
        for m in pred - gold:
            counts[m[0]]["fp"] += 1
        for m in gold - pred:
            counts[m[0]]["fn"] += 1
        for etype, value, role in gold:
            if role != NEGATED:
                continue
            negation_total += 1
            wrongly_positive = any(
                (t, v) == (etype, value) and r != NEGATED and (t, v, r) not in gold
                for t, v, r in pred
            )
            negation_correct += not wrongly_positive
            negation_role += (etype, value, NEGATED) in pred
        intent_ok = example["intent"] == pred_intents[i]
        if gold != pred or not intent_ok:
            errors.append({
                "text": example["text"],
                "intent": example["intent"],
                "predicted_intent": pred_intents[i],
                "missing": sorted(map(list, gold - pred), key=str),
                "unexpected": sorted(map(list, pred - gold), key=str),
            })

    per_entity = {}
    total = Counter()
    for etype in sorted(counts):
        c = counts[etype]
        total.update(c)
        per_entity[etype] = _prf(c)
    micro = _prf(total)
    return {
        "examples": len(examples),
        "intent": {
            "accuracy": sum(g == p for g, p in zip(gold_intents, pred_intents)) / len(examples),
            "f1_weighted": f1_score(gold_intents, pred_intents, labels=labels, average="weighted",
                                    zero_division=0),
            "f1_macro": f1_score(gold_intents, pred_intents, labels=labels, average="macro",
                                 zero_division=0),
            "per_intent": per_intent,
        },
        "entities": {"micro": micro, "per_type": per_entity},
        "negation": {
            "mentions": negation_total,
            "accuracy": negation_correct / negation_total if negation_total else 1.0,
            "negated_role_recall": negation_role / negation_total if negation_total else 1.0,
        },
        "errors": errors,
    }


def _prf(c: Counter) -> Dict[str, float]:
    tp, fp, fn = c["tp"], c["fp"], c["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn,
            "tp": tp, "fp": fp, "fn": fn}


def evaluate(model: os.PathLike, heldout: os.PathLike = HELDOUT) -> Dict[str, Any]:
    examples = load_heldout(heldout)
    started = time.time()
    parse = model_parser(model)
    predictions = [parse(e["text"]) for e in examples]
    results = score(examples, predictions)
    results["model"] = str(latest_model(model))
    results["parse_seconds"] = time.time() - started
    return results


def failures(results: Dict[str, Any]) -> List[str]:
    checks = {
        "entity_f1": results["entities"]["micro"]["f1"],
        "negation_accuracy": results["negation"]["accuracy"],
        "intent_f1_weighted": results["intent"]["f1_weighted"],
    }
    return [
        f"{name} {value:.3f} < {THRESHOLDS[name]:.2f}"
        for name, value in checks.items()
        if value < THRESHOLDS[name]
    ]


def markdown(results: Dict[str, Any], title: str = "NLU held-out evaluation") -> str:
    ent, neg, intent = results["entities"], results["negation"], results["intent"]
    failed = failures(results)
    lines = [
        f"# {title}", "",
        f"Model: `{results.get('model', '?')}`; {results['examples']} held-out messages.", "",
        "| metric | value | threshold |", "|---|---|---|",
        f"| intent F1 (weighted) | {intent['f1_weighted']:.3f} | {THRESHOLDS['intent_f1_weighted']} |",
        f"| intent F1 (macro) | {intent['f1_macro']:.3f} | |",
        f"| intent accuracy | {intent['accuracy']:.3f} | |",
        f"| entity F1 (micro) | {ent['micro']['f1']:.3f} | {THRESHOLDS['entity_f1']} |",
        f"| entity precision / recall | {ent['micro']['precision']:.3f} / {ent['micro']['recall']:.3f} | |",
        f"| negation accuracy ({neg['mentions']} negated mentions) | {neg['accuracy']:.3f} | {THRESHOLDS['negation_accuracy']} |",
        f"| negated mentions returned with role `negated` | {neg['negated_role_recall']:.3f} | |",
        "", "**Result: " + ("PASS" if not failed else "FAIL: " + "; ".join(failed)) + "**", "",
        "## Entities per type", "", "| type | precision | recall | F1 | support |", "|---|---|---|---|---|",
    ]
    for etype, m in ent["per_type"].items():
        lines.append(f"| {etype} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    lines += ["", "## Intents", "", "| intent | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for name, m in intent["per_intent"].items():
        lines.append(f"| {name} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    lines += ["", f"## Errors ({len(results['errors'])} messages)", ""]
    for e in results["errors"]:
        wrong_intent = "" if e["intent"] == e["predicted_intent"] else f" intent {e['intent']} -> {e['predicted_intent']};"
        lines.append(f"- `{e['text']}`:{wrong_intent} missing {e['missing']}; unexpected {e['unexpected']}")
    return "\n".join(lines) + "\n"


def write_report(results: Dict[str, Any], report: os.PathLike, title: str = "NLU held-out evaluation") -> None:
    report = Path(report)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(markdown(results, title), encoding="utf-8")
    report.with_suffix(".json").write_text(json.dumps(results, indent=2, default=float), encoding="utf-8")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "models"), help="model .tar.gz or a directory (newest is used)")
    parser.add_argument("--heldout", default=str(HELDOUT))
    parser.add_argument("--report", default=str(ROOT / "reports" / "nlu_eval.md"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    results = evaluate(args.model, args.heldout)
    write_report(results, args.report)
    failed = failures(results)
    print(
        f"intent F1 {results['intent']['f1_weighted']:.3f}  entity F1 {results['entities']['micro']['f1']:.3f}  "
        f"negation {results['negation']['accuracy']:.3f}  -> {args.report}"
    )
    for f in failed:
        print(f"FAIL: {f}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
