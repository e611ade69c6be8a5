"""The red-flag safety gate: every case of both splits (tests/safety/cases/): the frozen test
split at every position, the dev split at one position per phrasing, rotating (to keep the
test command within its time budget; SAFETY_DEV_POSITIONS=all plays the dev split at every
position too, as `python -m tests.safety.suite --split all` always does).

The suite runs on its own servers beside the other tests (tests/background.py); the run writes reports/safety.json and regenerates
docs/clinical-safety.md (scripts/safety_sheet.py), pass or fail. A failure lists the failing
trials (case id, position, expected, observed, text) so the product can be fixed; texts of
the frozen test split are shown only with SAFETY_SHOW_TEST_TEXTS=1 (tests/safety/suite.py).
SAFETY_WORKERS sets the number of concurrent conversations (default 6), SAFETY_RASA_SERVERS
the number of Rasa servers they are spread over (default 2: one Rasa server is bound to one
core, so two use both cores of the CI machine).
"""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List

import pytest

from scripts.safety_sheet import write_sheet
from tests.safety import suite
from tests.background import BACKGROUND, BATCH_NICENESS
from tests.servers import BotServers

MAX_LISTED = 60
TARGET, LINE = suite.TARGET, suite.LINE


def _listing(trials: List[Dict[str, Any]]) -> str:
    lines = [suite.describe(t) for t in trials[:MAX_LISTED]]
    if len(trials) > MAX_LISTED:
        lines.append(f"... and {len(trials) - MAX_LISTED} more (reports/safety.json has them all)")
    return "\n".join(lines)


def _run_safety_suite() -> Dict[str, Any]:
    """The whole suite on its own servers, beside the other tests (tests/background.py), at a
    lower CPU priority. In-memory tracker store: the clinic's store deletes an ended
    conversation without consent, which a red flag in the first message is (see
    tests/safety/suite.py)."""
    from tests.conftest import workdir

    started = time.time()
    bot = BotServers(workdir("safety"), stores=False, nice=BATCH_NICENESS,
                     rasa_servers=int(os.environ.get("SAFETY_RASA_SERVERS", "2"))).start()
    server_seconds = time.time() - started
    try:
        result = suite.run_suite(bot, split="all", workers=int(os.environ.get("SAFETY_WORKERS", "6")),
                                 dev_positions=os.environ.get("SAFETY_DEV_POSITIONS", "rotate"))
    finally:
        bot.stop()
    result["duration_seconds"]["servers"] = round(server_seconds, 1)
    result["duration_seconds"]["total"] = round(result["duration_seconds"]["total"] + server_seconds, 1)
    suite.write_report(result)
    write_sheet(result)
    return result


BACKGROUND.define("safety_report", _run_safety_suite)


@pytest.fixture(scope="module")
def safety_report() -> Dict[str, Any]:
    result = BACKGROUND.result("safety_report")
    print("\n" + "\n".join(suite.summary_lines(result, max_failures=0)))
    return result


def test_case_files_are_readable_and_match_the_knowledge_base():
    kb = suite.load_knowledge()
    _, problems = suite.load_cases("all", kb)
    assert not problems, "problems in tests/safety/cases/:\n" + "\n".join(problems)


def test_every_red_flag_has_enough_phrasings_and_there_are_enough_traps():
    kb = suite.load_knowledge()
    cases, _ = suite.load_cases("all", kb)
    counts = suite.phrasing_counts(cases, kb)
    short = {flag["id"]: counts[flag["id"]]["total"] for flag in kb.flags
             if counts[flag["id"]]["total"] < suite.MIN_PHRASINGS_PER_FLAG}
    assert not short, f"red flags with fewer than {suite.MIN_PHRASINGS_PER_FLAG} phrasings (dev + test): {short}"
    assert counts[suite.TRAPS]["total"] >= suite.MIN_TRAPS, (
        f"{counts[suite.TRAPS]['total']} traps; at least {suite.MIN_TRAPS} needed")


@pytest.mark.model
@pytest.mark.servers
def test_no_more_under_triage_than_the_gate_allows(safety_report):
    missed = [t for t in safety_report["trials"] if t["under_triage"]]
    figures = safety_report["figures"]["all"]["under_triage"]
    print(f"under-triage: {len(missed)} of {figures['of']} (target {TARGET['max_under_triage']}, "
          f"gate {LINE['max_under_triage']})")
    assert len(missed) <= LINE["max_under_triage"], (
        f"{len(missed)} of {figures['of']} red-flag trials under-triaged, more than the gate's "
        f"{LINE['max_under_triage']} (tests/safety/gate.yml; target {TARGET['max_under_triage']}) "
        f"(case [position] expected, observed):\n{_listing(missed)}")


@pytest.mark.model
@pytest.mark.servers
def test_over_triage_within_the_gate(safety_report):
    over = safety_report["figures"]["all"]["over_triage"]
    flagged = [t for t in safety_report["trials"] if t["over_triage"]]
    assert (over["rate"] or 0) <= LINE["max_over_triage_rate"], (
        f"over-triage {over['count']}/{over['of']} = {100 * (over['rate'] or 0):.1f}% "
        f"(gate {100 * LINE['max_over_triage_rate']:.1f}%, target {100 * TARGET['max_over_triage_rate']:.0f}%):"
        f"\n{_listing(flagged)}")


@pytest.mark.model
@pytest.mark.servers
def test_no_case_is_stuck_or_fails(safety_report):
    broken = [t for t in safety_report["trials"] if t["stuck"] or t["error"]]
    assert not broken, (f"{len(broken)} trials stuck in the red-flag questions after {suite.MAX_TURNS} turns "
                        f"or failed:\n{_listing(broken)}")


@pytest.mark.model
@pytest.mark.servers
def test_the_three_positions_agree(safety_report):
    consistency = safety_report["figures"]["all"]["consistency"]
    print(f"consistency: {consistency['consistent']}/{consistency['phrasings']} = {consistency['rate']}")
    by_case: Dict[str, Dict[str, Any]] = {}
    for t in safety_report["trials"]:
        by_case.setdefault(t["case"], {})[t["position"]] = t
    differing = [positions for positions in by_case.values()
                 if len({t["observed"] for t in positions.values()}) > 1]
    lines = []
    for positions in differing[:MAX_LISTED]:
        any_trial = next(iter(positions.values()))
        levels = ", ".join(f"{p} {positions[p]['observed']}" for p in suite.POSITIONS if p in positions)
        lines.append(f"{any_trial['case']} expected {any_trial['expected']}: {levels}: "
                     f"{suite.shown_text(any_trial)!r}")
    assert (consistency["rate"] or 0) >= LINE["min_consistency"], (
        f"the three positions gave the same level for {consistency['consistent']}/{consistency['phrasings']} "
        f"phrasings (gate {100 * LINE['min_consistency']:.1f}%, target {100 * TARGET['min_consistency']:.0f}%):\n"
        + "\n".join(lines))
