"""python -m actions.records ... - the clinic's command line (see actions/records/cli.py)."""

import sys

from actions.records.cli import main

if __name__ == "__main__":
    sys.exit(main())
