"""Fitting the bot's messages into each platform's limits without cutting words or sentences.

Pure functions, shared by the Slack and Messenger connectors (and unit-tested on their own).
"""

from __future__ import annotations

import re
from typing import Iterable, List

_SENTENCE_END = re.compile(r"(?<=[.!?:;])\s+")
# Tried in order: paragraphs, lines, sentences, words. A piece is split further only when it
# does not fit on its own; neighbouring pieces are packed together again up to the limit.
_LEVELS = (
    ("\n\n", lambda text: text.split("\n\n")),
    ("\n", lambda text: text.split("\n")),
    (" ", lambda text: _SENTENCE_END.split(text)),
    (" ", lambda text: text.split(" ")),
)


def split_text(text: str, limit: int) -> List[str]:
    """`text` in pieces of at most `limit` characters, split at the largest boundary that fits.

    Paragraphs are kept whole when they fit, else lines, else sentences, else words; only a
    single "word" longer than the limit (a long link, say) is cut. Nothing is dropped: the
    pieces joined by whitespace give the original words in order.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    text = (text or "").strip()
    if not text:
        return []
    return [piece for piece in _split(text, limit, 0) if piece]


def _split(text: str, limit: int, level: int) -> List[str]:
    text = text.strip()
    if len(text) <= limit:
        return [text]
    if level >= len(_LEVELS):
        return [text[start:start + limit] for start in range(0, len(text), limit)]
    joiner, splitter = _LEVELS[level]
    parts = [part.strip() for part in splitter(text) if part.strip()]
    if len(parts) <= 1:
        return _split(text, limit, level + 1)
    pieces: List[str] = []
    for part in parts:
        pieces += _split(part, limit, level + 1) if len(part) > limit else [part]
    return _pack(pieces, joiner, limit)


def _pack(pieces: Iterable[str], joiner: str, limit: int) -> List[str]:
    chunks: List[str] = []
    current = ""
    for piece in pieces:
        candidate = f"{current}{joiner}{piece}" if current else piece
        if len(candidate) <= limit:
            current = candidate
        else:
            chunks.append(current)
            current = piece
    if current:
        chunks.append(current)
    return chunks


_TRAILING_SMALL_WORDS = {"a", "an", "and", "at", "by", "for", "in", "my", "of", "on", "or", "the", "to", "with", "/", "-", "+"}


def short_title(title: str, limit: int) -> str:
    """A button title shortened to `limit` characters: no parenthesis, whole words, an ellipsis."""
    title = " ".join(str(title).split())
    if len(title) <= limit:
        return title
    title = re.sub(r"\s*\([^)]*\)", "", title).strip() or title
    if len(title) <= limit:
        return title
    words = title[: limit - 1].split(" ")
    if len(words) > 1 and not title[limit - 1:limit].isspace():
        words = words[:-1]  # the last word was cut: drop it
    while len(words) > 1 and words[-1].lower() in _TRAILING_SMALL_WORDS:
        words.pop()
    return " ".join(words).rstrip(" ,;:/-") + "…"


def unique_titles(titles: Iterable[str], limit: int) -> List[str]:
    """Shortened titles that stay distinguishable (a number is added to any repeat)."""
    result: List[str] = []
    for title in titles:
        short = short_title(title, limit)
        number = 2
        while short in result:
            suffix = f" {number}"
            short = short_title(title, limit - len(suffix)) + suffix
            number += 1
        result.append(short)
    return result
