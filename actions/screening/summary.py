"""The clinician's summary of a screen: a JSON-ready dict, and a Markdown rendering of it."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Dict, List

from .answers import Answers
from .conditions import fields_in
from .engine import ScreeningResult, linked_injuries
from .knowledge import KnowledgeBase

CHECKS = ("activation", "balance", "donkey_kick")
CHECK_NAMES = {"activation": "Glute activation squeeze", "balance": "Single-leg balance (knee drive)",
               "donkey_kick": "Donkey kick"}


def _plain(value: Any) -> Any:
    """JSON-safe copy (tuples -> lists, sets -> sorted lists)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted(_plain(v) for v in value)
    return value


def _check_findings(kb: KnowledgeBase, check: str) -> List[str]:
    """Findings whose condition reads the answers of one self-check."""
    prefix = "donkey_" if check == "donkey_kick" else f"{check}."
    return [f.id for f in kb.findings if any(p.startswith(prefix) for p in fields_in(f.when))]


def clinician_summary(answers: Answers, result: ScreeningResult, kb: KnowledgeBase,
                      screened_at: datetime) -> Dict[str, Any]:
    answer_data = _plain(dataclasses.asdict(answers))
    answer_data["donkey_min_reps"] = answers.donkey_min_reps

    red_flags = []
    for fid in result.red_flags:
        flag, entry = kb.red_flag(fid), result.entry(f"red_flags.{fid}")
        answer = (answers.red_flags or {}).get(fid)
        red_flags.append({"id": fid, "rule_id": entry.rule_id, "level": flag.level, "label": flag.label,
                          "answer": answer, "derived": f"red_flags.{fid}" not in entry.matched,
                          "matched": _plain(entry.matched), "sources": list(entry.sources)})

    findings = []
    for fid in result.findings:
        finding, entry = kb.finding(fid), result.entry(f"findings.{fid}")
        findings.append({
            "id": fid, "rule_id": entry.rule_id, "title": finding.title, "weight": finding.weight,
            "refers": finding.refers, "self_check": finding.self_check,
            "glute": kb.glute_names(finding.glute), "glute_job": finding.glute_job,
            "linked_injuries": linked_injuries(finding, entry.matched),
            "matched": _plain(entry.matched), "sources": list(entry.sources),
        })

    strength = [{"id": sid, "rule_id": f"strength.{sid}",
                 "matched": _plain(result.entry(f"strength.{sid}").matched),
                 "sources": list(result.entry(f"strength.{sid}").sources)} for sid in result.strength_rules]

    checks = {}
    for check in CHECKS:
        status = getattr(answers, check).status
        positives = [f for f in _check_findings(kb, check) if f in result.findings]
        outcome = ("positive" if positives else "negative") if status == "done" else status
        checks[check] = {"status": status, "result": outcome, "findings": positives}

    notes: List[str] = []
    for flag in red_flags:
        if flag["answer"] == "unsure":
            notes.append(f"{flag['id']}: runner was not sure; counted as yes.")
        note = kb.red_flag(flag["id"]).clinician_note
        if note and flag["derived"]:
            notes.append(f"{flag['id']}: {note}")
    notes += [f"{fid}: {kb.finding(fid).clinician_note}" for fid in result.findings
              if kb.finding(fid).clinician_note]
    if not result.self_checks_allowed:
        notes.append(f"Self-checks not offered: {result.self_checks_reason}")

    used = {s for e in result.trace for s in e.sources}
    return {
        "screened_at": screened_at.isoformat(),
        "kb_version": kb.version,
        "triage": result.triage,
        "strong_recommendation": result.strong_recommendation,
        "stops_screen": result.stops_screen,
        "red_flags": red_flags,
        "findings": findings,
        "strength": strength,
        "self_checks": {"allowed": result.self_checks_allowed, "reason": result.self_checks_reason,
                        "checks": checks},
        "notes": notes,
        "answers": answer_data,
        "sources": {sid: kb.sources[sid] for sid in kb.sources if sid in used},
    }


def _cell(value: Any) -> str:
    if isinstance(value, dict):
        text = "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    elif isinstance(value, list):
        text = ", ".join(_cell(v) for v in value)
    elif isinstance(value, bool):
        text = "yes" if value else "no"
    else:
        text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")


def _table(headers: List[str], rows: List[List[Any]]) -> List[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]


def summary_markdown(summary: Dict[str, Any]) -> str:
    s = summary
    out = [
        "# Runner glute screen: clinician summary", "",
        f"- Screened at: {s['screened_at']}",
        f"- Triage: **{s['triage']}**" + (" (strong recommendation)" if s["strong_recommendation"] else ""),
        f"- Knowledge base version: {s['kb_version']}", "",
        "## Red flags", "",
    ]
    if s["red_flags"]:
        out += _table(["Rule id", "Level", "Answer", "Matched", "Sources"],
                      [[r["rule_id"], r["level"], r["answer"] or "derived", r["matched"], r["sources"]]
                       for r in s["red_flags"]])
    else:
        out.append("None fired.")
    out += ["", "## Findings", ""]
    if s["findings"]:
        out += _table(["Rule id", "Finding", "Weight", "Refers", "Glute", "Matched answers", "Sources"],
                      [[f["rule_id"], f["title"], f["weight"], f["refers"], f["glute"], f["matched"],
                        f["sources"]] for f in s["findings"]])
    else:
        out.append("None fired.")
    if s["strength"]:
        out += ["", "## Strength rules", ""]
        out += _table(["Rule id", "Matched", "Sources"],
                      [[r["rule_id"], r["matched"], r["sources"]] for r in s["strength"]])
    out += ["", "## Self-checks", ""]
    out += _table(["Check", "Status", "Result", "Findings"],
                  [[CHECK_NAMES.get(k, k), c["status"], c["result"], c["findings"]]
                   for k, c in s["self_checks"]["checks"].items()])
    if s["notes"]:
        out += ["", "## Notes", ""] + [f"- {_cell(n)}" for n in s["notes"]]
    out += ["", "## Answers", ""]
    out += [f"- {k}: {_cell(v)}" for k, v in s["answers"].items()]
    if s["sources"]:
        out += ["", "## Sources", ""] + [f"- {k}: {v}" for k, v in s["sources"].items()]
    return "\n".join(out) + "\n"
