"""Check the screening knowledge base:  python -m actions.screening.validate [path]

Prints "OK: <n> red flags, <m> findings" and exits 0, or prints every problem and exits 1.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from pathlib import Path

import yaml

from .knowledge import KnowledgeBaseError, parse_knowledge_base, resolve_path

LEXICON = Path(__file__).resolve().parents[2] / "clinic" / "lexicon.yml"


def red_flags_without_phrases(red_flag_ids: List[str], lexicon: Optional[Path] = None) -> List[str]:
    """Red flags the lexicon gives no phrases: the bot would offer their button but never
    recognise them in typed text."""
    lexicon = lexicon or LEXICON
    try:
        data = yaml.load(lexicon.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
        phrased = (data.get("entities") or {}).get("red_flag") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return list(red_flag_ids)
    return [flag for flag in red_flag_ids if not phrased.get(flag)]


def main(argv: Optional[List[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip())
        return 0 if args and args[0] in ("-h", "--help") else 2
    path = resolve_path(args[0] if args else None)
    try:
        kb = parse_knowledge_base(path.read_text(encoding="utf-8"), name=str(path))
    except OSError as exc:
        print(f"{path}: cannot read the knowledge base ({exc.strerror})", file=sys.stderr)
        return 1
    except KnowledgeBaseError as exc:
        print(f"{len(exc.errors)} problem(s) in the knowledge base:", file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 1
    missing = red_flags_without_phrases([f.id for f in kb.red_flags])
    if missing:
        print(f"{LEXICON}: entities.red_flag has no phrases for {', '.join(missing)}; add the "
              "words runners use for each, or typed text can never report it", file=sys.stderr)
        return 1
    print(f"OK: {len(kb.red_flags)} red flags, {len(kb.findings)} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
