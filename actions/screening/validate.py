"""Check the screening knowledge base:  python -m actions.screening.validate [path]

Prints "OK: <n> red flags, <m> findings" and exits 0, or prints every problem and exits 1.
"""

from __future__ import annotations

import sys
from typing import List, Optional

from .knowledge import KnowledgeBaseError, parse_knowledge_base, resolve_path


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
    print(f"OK: {len(kb.red_flags)} red flags, {len(kb.findings)} findings")
    return 0


if __name__ == "__main__":
    sys.exit(main())
