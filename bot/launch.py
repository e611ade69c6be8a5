"""Rasa's command line with the project's patches of Rasa installed first (bot/rasa_patches.py).

    .venv/bin/python -m bot.launch run --model models/<model>.tar.gz ...   (instead of `rasa run`)

Every script and harness starts the Rasa server this way, so the patches are there whatever
tracker store endpoints.yml names, and a Rasa release other than the pinned one stops here.
"""

from __future__ import annotations

import sys


def main() -> None:
    from bot import rasa_patches

    rasa_patches.install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
