"""A statistical second reader for red flags: it only ever asks, it never records.

The lexicon (clinic/lexicon.yml) is the screener's first and auditable reader of red flags.
Runners find words for a warning sign that no list foresees ("my ticker went bananas then
everything went grey"), so a small classifier reads every message too. When it thinks a
message may describe a red flag that the lexicon did not find there, the Rasa component
(bot/nlu/red_flag_net.py) marks that red flag `uncertain`, and the runner gets the one
confirm question the bot already asks for hedged mentions ("Has that happened to you?").
A wrong guess costs one question; a right one keeps a red flag that would have been lost.

Its examples, all read when the Rasa server starts (no retraining; a restart after an edit):
- `data/red_flags/<red flag id>.yml`: runners' descriptions of each red flag;
- `data/red_flags/not_red_flags.yml` and `everyday_answers.yml` (files without a `red_flag`
  key): messages that sound alarming but are no red flag, and everyday answers to the
  screen's other questions;
- the red-flag phrases of clinic/lexicon.yml (its "not:" phrases are no red flag);
- the NLU training data (data/nlu/): annotated red flags count for their flag, and every
  example without a red flag is an everyday message.

Plain Python over scikit-learn: no Rasa import. Training is seeded and deterministic.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
NONE = "none"
DEFAULT_EXAMPLES = "data/red_flags"
DEFAULT_NLU = "data/nlu"
DEFAULT_LEXICON = "clinic/lexicon.yml"
SEED = 42

_ANNOTATION = re.compile(r"\[([^\]]*)\](\([^)]*\)|\{[^}]*\})")
_RED_FLAG_VALUE = re.compile(r'"entity":\s*"red_flag",\s*"value":\s*"([a-z_]+)"')


PLACE_FORMS = ("my left {}", "the right {}", "both {}", "{}, left side", "{} on the right", "in my {}",
               "{} mostly", "right {} i think", "{} on both sides", "left {} after runs")


CHECK_REPORTS = ("{side} 30 seconds, stable", "{side} fine", "{side} steady", "held 30 secs on {side}",
                 "wobbly on {side}", "{side} felt the same", "{side} about the same, felt it in my glutes",
                 "{side} ok, no pain", "{side} 10 reps each", "{side} shaky but held it", "on {side} easily",
                 "{side} were solid", "struggled a bit on {side}", "{side} hip dipped a bit",
                 "felt it in my hamstrings on {side}", "couldn't hold 30 on {side}", "{side} good")


class ExamplesError(ValueError):
    pass


@dataclass
class Examples:
    texts: List[str] = field(default_factory=list)
    labels: List[str] = field(default_factory=list)

    def add(self, text: str, label: str) -> None:
        text = " ".join(str(text).split())
        if text:
            self.texts.append(text)
            self.labels.append(label)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for text, label in zip(self.texts, self.labels):
            digest.update(f"{label}\t{text}\n".encode())
        return digest.hexdigest()[:12]


def _resolve(path: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() or candidate.exists() else REPO_ROOT / candidate


def _plain(example: str) -> str:
    return _ANNOTATION.sub(lambda m: m.group(1), example)


def _lexicon_phrase(phrase: str) -> Optional[str]:
    """A lexicon phrase as a runner would type it: the first of each a|b choice, "..."
    dropped, <num> as a number."""
    phrase = phrase.strip()
    if phrase.startswith("not:"):
        phrase = phrase[4:]
    phrase = re.sub(r"\(([^()|]*)(\|[^()]*)?\)", r"\1", phrase)
    phrase = re.sub(r"(\S+?)\|\S+", r"\1", phrase)
    phrase = phrase.replace("...", " ").replace("<num>", "3").replace("~", " ")
    phrase = re.sub(r"[*()]", "", phrase)
    return " ".join(phrase.split()) or None


def load_examples(red_flags: Iterable[str], examples_dir: str = DEFAULT_EXAMPLES,
                  nlu_dir: Optional[str] = DEFAULT_NLU,
                  lexicon_path: Optional[str] = DEFAULT_LEXICON) -> Examples:
    """Every example the classifier learns from, labelled with a red flag id or NONE."""
    known = set(red_flags)
    out = Examples()
    folder = _resolve(examples_dir)
    if not folder.is_dir():
        raise ExamplesError(f"{folder}: red-flag examples folder not found")
    for file in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
        label = data.get("red_flag") or NONE  # a file without `red_flag`: none of its examples is one
        if label != NONE and label not in known:
            raise ExamplesError(f"{file}: red_flag {label!r} is not a red flag id ({', '.join(sorted(known))})")
        for item in data.get("examples") or []:
            out.add(item["text"] if isinstance(item, dict) else item, label)
    if lexicon_path:
        raw = yaml.load(_resolve(lexicon_path).read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
        entities = raw.get("entities") or {}
        for flag, phrases in (entities.get("red_flag") or {}).items():
            for phrase in phrases:
                text = _lexicon_phrase(phrase)
                if text:
                    out.add(text, NONE if phrase.strip().startswith("not:") else flag)
        # A place, a side, a timing or a self-check fault on its own is never a red flag
        # ("both legs", "front of my hip, right", "wobbly on the left").
        for entity, ids in entities.items():
            if entity == "red_flag":
                continue
            for canonical, phrases in ids.items():
                for i, phrase in enumerate(phrases):
                    text = _lexicon_phrase(phrase)
                    if text and not phrase.strip().startswith("not:"):
                        out.add(text, NONE)
                        if entity == "body_part":
                            out.add(PLACE_FORMS[i % len(PLACE_FORMS)].format(text), NONE)
        for i, place in enumerate(("leg", "legs", "side", "one leg", "that leg", "leg muscles") * 3):
            out.add(PLACE_FORMS[i % len(PLACE_FORMS)].format(place), NONE)
        # How a self-check went, in the words of its reports ("both legs 30 seconds, stable")
        for i, report in enumerate(CHECK_REPORTS):
            for side in ("both legs", "left leg", "right leg", "each leg", "both sides"):
                out.add(report.format(side=side), NONE)
    if nlu_dir:
        for file in sorted(_resolve(nlu_dir).glob("*.yml")):
            for block in (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("nlu") or []:
                for line in str(block.get("examples") or "").splitlines():
                    line = line.strip()
                    if not line.startswith("- "):
                        continue
                    example = line[2:]
                    flags = set(_RED_FLAG_VALUE.findall(example)) & known
                    if len(flags) == 1:
                        out.add(_plain(example), flags.pop())
                    elif not flags and block.get("intent") != "report_red_flag" and "red_flag" not in example:
                        out.add(_plain(example), NONE)
    missing = sorted(known - set(out.labels))
    if missing:
        raise ExamplesError(f"{folder}: no examples for red flag(s) {', '.join(missing)}")
    return out


def normalise(text: str) -> str:
    text = text.lower().replace("’", "'")
    text = re.sub(r"(.)\1{2,}", r"\1\1", text)  # "sooooo" -> "soo"
    return text


class RedFlagModel:
    """Word and character n-grams into a seeded logistic regression over red flag ids + NONE."""

    def __init__(self, examples: Examples) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        self.fingerprint = examples.fingerprint()
        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1,
                            preprocessor=normalise, token_pattern=r"(?u)\b\w+\b"),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2,
                            preprocessor=normalise),
        )
        classifier = LogisticRegression(C=8.0, class_weight="balanced", max_iter=3000, random_state=SEED)
        self.pipeline = make_pipeline(features, classifier)
        self.pipeline.fit(examples.texts, examples.labels)
        self.classes: Sequence[str] = list(self.pipeline.classes_)

    def scores(self, texts: Sequence[str]) -> List[Dict[str, float]]:
        rows = self.pipeline.predict_proba(list(texts))
        return [dict(zip(self.classes, map(float, row))) for row in rows]

    def guess(self, text: str) -> Tuple[str, float]:
        """The likeliest red flag and its probability (NONE when "no red flag" is likeliest)."""
        score = self.scores([text])[0]
        label = max(score, key=score.get)
        return label, score[label]
