"""House rules for the engine's files: own words, no Rasa, plain reading level."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
SOURCES = [p for p in (SHARED / "seed" / "salute-your-glutes-part-2.txt", SHARED / "clinical" / "protocol.md")
           if p.exists()]
OWN_FILES = sorted((ROOT / "actions" / "screening").glob("*.py")) + [
    ROOT / "clinic" / "screening_rules.yml", ROOT / "clinic" / "glossary.yml", ROOT / "domain.yml"]


def words(text):
    return re.findall(r"[a-z']+", text.lower())


@pytest.mark.skipif(not SOURCES, reason="seed article and protocol not available")
@pytest.mark.parametrize("path", OWN_FILES, ids=lambda p: p.name)
def test_no_ten_words_copied_from_the_sources(path):
    grams = set()
    for source in SOURCES:
        seed = words(source.read_text(encoding="utf-8", errors="ignore"))
        grams |= {" ".join(seed[i:i + 10]) for i in range(len(seed) - 9)}
    mine = words(path.read_text(encoding="utf-8"))
    copied = [" ".join(mine[i:i + 10]) for i in range(len(mine) - 9) if " ".join(mine[i:i + 10]) in grams]
    assert not copied


@pytest.mark.parametrize("path", sorted((ROOT / "actions" / "screening").glob("*.py")), ids=lambda p: p.name)
def test_engine_does_not_import_rasa(path):
    assert not re.search(r"^\s*(import|from)\s+rasa", path.read_text(encoding="utf-8"), re.M)


def _runner_texts():
    data = yaml.safe_load((ROOT / "clinic" / "screening_rules.yml").read_text(encoding="utf-8"))
    for group in data["red_flag_groups"]:
        yield group["prompt"]
        for flag in group["flags"]:
            yield flag["question"]
            yield flag["advice"]
    for finding in data["findings"]:
        yield finding["explanation"]
    for level in data["triage"].values():
        yield from (v for k, v in level.items() if k != "sources")
    yield from data["messages"].values()


@pytest.mark.parametrize("text", list(_runner_texts()))
def test_runner_text_uses_short_sentences(text):
    for sentence in re.split(r"(?<=[.!?])\s+", text):
        assert len(words(sentence)) <= 30, sentence
