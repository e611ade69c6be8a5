"""Plain-language definitions of the words a runner may ask about (clinic/glossary.yml)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple, Union

import yaml

from .knowledge import REPO_ROOT, KnowledgeBaseError

DEFAULT_GLOSSARY = REPO_ROOT / "clinic" / "glossary.yml"

_cache: Dict[Tuple[str, int], "Glossary"] = {}


def _norm(text: str) -> str:
    """Lower case, hyphens/underscores/apostrophes as spaces, single spaces."""
    return " ".join(re.sub(r"[-_'\u2019]", " ", text.lower()).split())


class Glossary:
    def __init__(self, terms: Dict[str, Dict[str, object]]):
        self.terms = terms
        # (normalised name, term id), longest first, so "low knee drive" beats "knee drive".
        names = []
        for tid, term in terms.items():
            for name in [tid] + list(term.get("names") or []):
                names.append((_norm(str(name)), tid))
        self._names: List[Tuple[str, str]] = sorted(set(names), key=lambda n: (-len(n[0]), n[0]))

    def find(self, term_or_text: str) -> Optional[str]:
        """Id of the term named in the text (exact name first, then the longest name inside)."""
        text = _norm(term_or_text or "")
        if not text:
            return None
        for name, tid in self._names:
            if name == text:
                return tid
        padded = " " + " ".join(re.sub(r"[^a-z0-9 ]", " ", text).split()) + " "
        for name, tid in self._names:
            if f" {name} " in padded or f" {name}s " in padded:
                return tid
        return None

    def define(self, term_or_text: str) -> Optional[str]:
        tid = self.find(term_or_text)
        return str(self.terms[tid]["text"]) if tid else None


def load_glossary(path: Optional[Union[str, Path]] = None) -> Glossary:
    p = Path(path) if path else DEFAULT_GLOSSARY
    try:
        stamp = p.stat().st_mtime_ns
        key = (str(p.resolve()), stamp)
        if key in _cache:
            return _cache[key]
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(p, [f"{p}: cannot load the glossary: {exc}"]) from None
    errors = []
    terms = data.get("terms") if isinstance(data, dict) else None
    if not isinstance(terms, dict) or not terms:
        errors.append(f"{p}: top level: needs 'terms:' mapping term ids to {{names, text}}")
        terms = {}
    if isinstance(data, dict):
        errors += [f"{p}: top level: unknown key '{k}'" for k in data if k != "terms"]
    for tid, term in terms.items():
        if not isinstance(term, dict) or set(term) - {"names", "text"}:
            errors.append(f"{p}: term '{tid}': takes only 'names' and 'text'")
        elif not isinstance(term.get("text"), str) or not term["text"].strip():
            errors.append(f"{p}: term '{tid}': 'text' must be non-empty")
        elif not isinstance(term.get("names", []), list):
            errors.append(f"{p}: term '{tid}': 'names' must be a list")
    if errors:
        raise KnowledgeBaseError(p, errors)
    _cache.clear()
    _cache[key] = Glossary(terms)
    return _cache[key]


def define(term_or_text: str) -> Optional[str]:
    """Plain definition of a term, or of the first known term in a question; None if none."""
    return load_glossary().define(term_or_text)
