"""The simulated-runner gate: the frozen test split of personas (bench/runners/personas/test)
plays whole screens against the real servers.

The targets are at least 90% of the test personas with a fully correct result (triage,
findings, pain areas, red flags) and no stuck screen; bench/runners/gate.yml holds the line
the test command enforces until they are met. A failing persona is fixed in the product,
never by editing the persona; the failure message names ids and what differed, never the
personas' texts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bench.runners.play import RestBot, load_personas, play_all, failure_line

pytestmark = [pytest.mark.model, pytest.mark.servers]

GATE = yaml.safe_load((Path(__file__).resolve().parents[2] / "bench" / "runners" / "gate.yml").read_text())
TARGET, LINE = GATE["target"], GATE["gate"]


@pytest.fixture(scope="module")
def bot(default_servers):
    return default_servers  # tests/conftest.py


def test_test_split_personas_get_the_right_result(bot):
    personas, problems = load_personas("test")
    assert not problems, f"unusable test persona files: {problems}"
    if not personas:
        pytest.skip("no test personas yet (bench/runners/personas/test/*.yml)")
    outcomes, _ = play_all(RestBot(bot.url, bot.token), personas, workers=4)
    failing = [o for o in outcomes if not o.correct]
    stuck = [o.persona.id for o in outcomes if o.stuck]
    correct = 1 - len(failing) / len(outcomes)
    report = "\n".join(failure_line(o) for o in failing)
    print(f"test personas: {correct:.1%} fully correct, {len(stuck)} stuck "
          f"(target {TARGET['min_fully_correct']:.0%} and {TARGET['max_stuck']}; gate {LINE['min_fully_correct']:.0%} "
          f"and {LINE['max_stuck']})")
    assert len(stuck) <= LINE["max_stuck"], f"stuck screens: {stuck}\n{report}"
    assert correct >= LINE["min_fully_correct"], (
        f"{correct:.0%} of {len(outcomes)} test personas fully correct (gate {LINE['min_fully_correct']:.0%}, "
        f"bench/runners/gate.yml; target {TARGET['min_fully_correct']:.0%}):\n{report}")
