"""Write docs/clinical-safety.md: the red-flag safety sheet for the clinic's clinician to sign off.

Generated from the knowledge base (clinic/screening_rules.yml: every red flag's level,
label, question and sources) and the last run of the safety suite (reports/safety.json,
written by `.venv/bin/python -m tests.safety.suite` or the pytest gate
tests/safety/test_safety_suite.py). The sheet quotes no test phrasing: only counts.

    .venv/bin/python scripts/safety_sheet.py [--report reports/safety.json] [--out docs/clinical-safety.md]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.safety.suite import (  # noqa: E402
    MAX_OVER_TRIAGE_RATE, MIN_CONSISTENCY, MIN_PHRASINGS_PER_FLAG, MIN_TRAPS, POSITIONS, REPORT_PATH, SPLITS,
    TRAPS, load_knowledge,
)

SHEET_PATH = ROOT / "docs" / "clinical-safety.md"
LEVEL_NAMES = {"emergency": "Emergency (call the emergency number now)",
               "urgent_care": "Urgent care (same day)",
               "see_clinician": "See a clinician (next few days)"}
POSITION_NAMES = {"own": "at its own question", "other": "at another group's question", "first": "as the first message"}
TRAP_POSITION_NAMES = {"own": "at the emergency question", "other": "at the see-a-clinician question",
                       "first": "as the first message"}
ROW_NAMES = {"own": "own (traps: emergency question)", "other": "other (traps: see-a-clinician question)",
             "first": "first message"}

DOES_NOT_PROVE = (
    "Passing this suite does not prove the screener is safe. It checks only the phrasings in the "
    "suite, written by a few people, in English, one red flag (sometimes two) per message; real "
    "runners will word things in ways nobody wrote down, mix several problems, correct themselves "
    "later in the chat, or leave out the detail that matters. It plays each phrasing in three places "
    "of the red-flag questions, not at later questions, after corrections, or over other channels "
    "(web widget, Slack, Messenger). It measures the level the screen ends on, not whether the runner "
    "understood or followed the advice. A red flag that is not in the knowledge base cannot be caught "
    "at all. And it cannot judge whether the knowledge base itself (which signs count as red flags, and "
    "at which level) is clinically right: that is what this sign-off is for."
)


def _pct(rate: Optional[float]) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def _frac(count: int, total: int) -> str:
    return f"{count}/{total}" if total else "-"


def _figures_row(name: str, f: Dict[str, Any], consistency: bool = True) -> str:
    under, over = f["under_triage"], f["over_triage"]
    cons = f.get("consistency") if consistency else None
    cons_text = f"{_frac(cons['consistent'], cons['phrasings'])} ({_pct(cons['rate'])})" if cons else "-"
    return (f"| {name} | {f['trials']} | {under['count']} ({_pct(under['rate'])}) | "
            f"{over['count']} ({_pct(over['rate'])}) | {cons_text} | {f['stuck']} | {f['errors']} | "
            f"{f['confirm_asked']} |")


FIGURES_HEAD = ["| | trials | under-triage | over-triage | same level at all 3 positions | stuck | errors | confirm asked |",
                "|---|---|---|---|---|---|---|---|"]


def known_limits(report: Dict[str, Any], kb) -> List[str]:
    """Computed from the run: where the screener missed, over-reacted, asked to confirm or got stuck."""
    figs = report["figures"]
    lines: List[str] = []
    names = {flag["id"]: flag["label"] for flag in kb.flags}
    for key, entry in figs["by_red_flag"].items():
        if key == TRAPS:
            continue
        label = f"`{key}` ({names.get(key, 'not in the knowledge base')})"
        misses = [f"{POSITION_NAMES[p]} {entry['by_position'][p]['under_triage']['count']}/"
                  f"{entry['by_position'][p]['red_flag_trials']}"
                  for p in POSITIONS if entry["by_position"][p]["under_triage"]["count"]]
        if misses:
            lines.append(f"- {label}: under-triaged (missed or given a lower level) " + "; ".join(misses) + ".")
        above = entry["over_triage"]["red_flags_above_expected"]
        if above:
            lines.append(f"- {label}: given a higher level than its own in {above} of {entry['trials']} trials.")
        confirms = [f"{POSITION_NAMES[p]} {entry['by_position'][p]['confirm_asked']}/{entry['by_position'][p]['trials']}"
                    for p in POSITIONS if entry["by_position"][p]["confirm_asked"]]
        if confirms:
            lines.append(f"- {label}: the runner was asked to confirm " + "; ".join(confirms) + ".")
        if entry["stuck"] or entry["errors"]:
            lines.append(f"- {label}: {entry['stuck']} trials stuck in the red-flag questions, {entry['errors']} errors.")
        if key not in names:
            lines.append(f"- {label}: has test phrasings but is not in the knowledge base.")
    traps = figs["by_red_flag"].get(TRAPS)
    if traps and traps["trials"]:
        over = [f"{TRAP_POSITION_NAMES[p]} {traps['by_position'][p]['over_triage']['count']}/{traps['by_position'][p]['trials']}"
                for p in POSITIONS if traps["by_position"][p]["over_triage"]["count"]]
        if over:
            lines.append("- Traps (alarming-sounding but no red flag) given a red-flag level: " + "; ".join(over) + ".")
        confirms = [f"{TRAP_POSITION_NAMES[p]} {traps['by_position'][p]['confirm_asked']}/{traps['by_position'][p]['trials']}"
                    for p in POSITIONS if traps["by_position"][p]["confirm_asked"]]
        if confirms:
            lines.append("- Traps that made the screener ask to confirm: " + "; ".join(confirms) + ".")
    counts = report["phrasings"]
    short = [f"`{flag['id']}` ({counts.get(flag['id'], {}).get('total', 0)})" for flag in kb.flags
             if counts.get(flag["id"], {}).get("total", 0) < MIN_PHRASINGS_PER_FLAG]
    if short and report.get("split") == "all":
        lines.append(f"- Fewer than {MIN_PHRASINGS_PER_FLAG} phrasings (dev + test), so not (fully) tested: "
                     + ", ".join(short) + ".")
    if report.get("split") == "all" and counts.get(TRAPS, {}).get("total", 0) < MIN_TRAPS:
        lines.append(f"- Only {counts.get(TRAPS, {}).get('total', 0)} traps (at least {MIN_TRAPS} wanted).")
    for problem in report.get("case_problems", []):
        lines.append(f"- Case file problem: {problem}")
    return lines or ["- None in this run: every phrasing got at least its level at every position, no trap was "
                     "given a red-flag level, and nothing needed confirming."]


def render(report: Optional[Dict[str, Any]]) -> str:
    kb = load_knowledge()
    out: List[str] = [
        "# Clinical safety sheet: red flags",
        "",
        "**For the clinic's clinician to review and sign off.** This sheet lists every red flag the "
        "runner screener asks about, the level of care it sends the runner to, the sources behind it, "
        "and how reliably the screener caught it in the last run of the adversarial safety suite.",
        "",
        "*Generated - do not edit by hand.* It is written by `scripts/safety_sheet.py` from "
        "`clinic/screening_rules.yml` and `reports/safety.json`. To change a red flag, edit the knowledge "
        "base; then regenerate with",
        "",
        "```bash",
        ".venv/bin/python -m tests.safety.suite --split all   # runs the suite, writes the report and this sheet",
        ".venv/bin/python scripts/safety_sheet.py            # this sheet only, from the last report",
        "```",
        "",
        "(the pytest gate `tests/safety/test_safety_suite.py` regenerates it too).",
        "",
    ]
    if report is None:
        out += ["## The last run", "", "No run of the safety suite yet (no `reports/safety.json`).", ""]
    else:
        git = report.get("git", {})
        commit = (git.get("commit") or "unknown")[:12] + (" with uncommitted changes" if git.get("dirty") else "")
        total = sum(report["phrasings"].get(k, {}).get("total", 0) for k in report["phrasings"] if k != TRAPS)
        out += [
            "## The last run",
            "",
            f"- Date: {report['started_at']} (UTC); split(s): {', '.join(report['splits'])}",
            f"- Model: `{report['model']}`; code: `{commit}`; knowledge base version {report['knowledge_base_version']}",
            f"- {total} red-flag phrasings and {report['phrasings'].get(TRAPS, {}).get('total', 0)} traps, each played "
            f"3 times ({', '.join(POSITION_NAMES[p] for p in POSITIONS)}; a trap at the emergency question, "
            f"at the see-a-clinician question and as the first message)"
            + (" - in this run the dev split's once each, at a position that rotates from phrasing to phrasing "
               "(the test command's run; `python -m tests.safety.suite --split all` plays all)"
               if report.get("dev_positions") == "rotate" else "")
            + f": {report['figures']['all']['trials']} conversations in {report['duration_seconds']['total']:.0f} s",
            "",
            "How it is played: each phrasing is sent by a new runner over the REST channel of the real "
            "servers, at the question of its own red-flag group, at another group's question, and as the "
            "first message before the screen starts. The runner then answers \"none of these\" to every "
            "other red-flag question and \"yes\" if asked to confirm (\"no\" for a trap). "
            "*Under-triage*: the screen ended on a lower level than the phrasing's red flag (rate over "
            "red-flag trials). *Over-triage*: a trap got a red-flag level, or a phrasing got a higher "
            "level than its own (rate over all trials). The targets are zero under-triage, over-triage "
            f"at most {100 * MAX_OVER_TRIAGE_RATE:.0f}%, the same level at all three positions for at least "
            f"{100 * MIN_CONSISTENCY:.0f}% of phrasings, nothing stuck, at least {MIN_PHRASINGS_PER_FLAG} "
            f"phrasings per red flag and {MIN_TRAPS} traps. **The screener does not meet them yet**: until it "
            "does, the test command holds the line at the last measured figures (tests/safety/gate.yml), "
            "and every miss is listed under its red flag below.",
            "",
            "### Figures",
            "",
            *FIGURES_HEAD,
        ]
        figs = report["figures"]
        for split in SPLITS:
            if split in figs["by_split"]:
                out.append(_figures_row(f"**{split}**", figs["by_split"][split]))
                for position in POSITIONS:
                    out.append(_figures_row(f"{split}: {ROW_NAMES[position]}",
                                            figs["by_split"][split]["by_position"][position], False))
        out.append(_figures_row("**all**", figs["all"]))
        out.append("")

    out += ["## Red flags", ""]
    figs = report["figures"]["by_red_flag"] if report else {}
    counts = report["phrasings"] if report else {}
    for level in kb.levels:
        out += [f"### {LEVEL_NAMES.get(level, level)}", ""]
        for flag in (f for f in kb.flags if f["level"] == level):
            out += [f"#### `{flag['id']}`: {flag['label']}", "",
                    f"- Level: **{level}**",
                    f"- Question: {flag['question']}",
                    "- Sources:"]
            out += [f"  - {sid}: {text}" for sid, text in flag["sources"]]
            entry = figs.get(flag["id"])
            if report:
                c = counts.get(flag["id"], {})
                out.append("- Test phrasings: " + ", ".join(f"{split} {c.get(split, 0)}" for split in SPLITS))
            if entry and entry["trials"]:
                detected = "; ".join(
                    f"{POSITION_NAMES[p]} {_frac(entry['by_position'][p]['detected'], entry['by_position'][p]['red_flag_trials'])}"
                    for p in POSITIONS)
                out += [f"- Caught at its level or higher: {detected}",
                        f"- Under-triage: {entry['under_triage']['count']} of {entry['under_triage']['of']}; "
                        f"given a higher level: {entry['over_triage']['red_flags_above_expected']}; "
                        f"confirm asked: {entry['confirm_asked']}; stuck: {entry['stuck']}"]
            elif report:
                out.append("- Not played in this run (no phrasings).")
            out.append("")
    extra = [k for k in figs if k != TRAPS and k not in {f["id"] for f in kb.flags}]
    if extra:
        out += ["### Phrasings of red flags that are not in the knowledge base", ""]
        for key in extra:
            e = figs[key]
            out.append(f"- `{key}`: under-triage {e['under_triage']['count']} of {e['under_triage']['of']}")
        out.append("")
    if report and figs.get(TRAPS):
        t = figs[TRAPS]
        out += ["### Traps (sound alarming, are no red flag)", "",
                "- Traps: " + ", ".join(f"{split} {counts.get(TRAPS, {}).get(split, 0)}" for split in SPLITS),
                "- Given a red-flag level: " + "; ".join(
                    f"{TRAP_POSITION_NAMES[p]} {_frac(t['by_position'][p]['over_triage']['count'], t['by_position'][p]['trials'])}"
                    for p in POSITIONS), ""]
    if report:
        out += ["## Known limits (from this run)", "", *known_limits(report, kb), ""]
    out += ["## What the suite does not prove", "", DOES_NOT_PROVE, "",
            "## Sign-off", "",
            "I have reviewed the red flags, their levels and sources, and the results above.", "",
            "- Clinician (name, role): ",
            "- Date: ",
            "- Signature: ", ""]
    return "\n".join(out)


def write_sheet(report: Optional[Dict[str, Any]] = None, path: Path = SHEET_PATH) -> Path:
    if report is None and REPORT_PATH.exists():
        report = json.loads(REPORT_PATH.read_text(encoding="utf-8"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(report), encoding="utf-8")
    return path


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--report", type=Path, default=REPORT_PATH)
    parser.add_argument("--out", type=Path, default=SHEET_PATH)
    args = parser.parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf-8")) if args.report.exists() else None
    if report is None:
        print(f"safety_sheet: no report at {args.report}; writing the knowledge-base part only", file=sys.stderr)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(report), encoding="utf-8")
    print(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
