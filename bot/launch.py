"""Rasa's command line with the project's patches of Rasa installed first (bot/rasa_patches.py).

    .venv/bin/python -m bot.launch run --model models/<model>.tar.gz ...   (instead of `rasa run`)

Every script and harness starts the Rasa server this way, so the patches are there whatever
tracker store endpoints.yml names, and a Rasa release other than the pinned one stops here.
`run` and `shell` also get the project's logging configuration, deploy/logging.yml (runners'
words and contact details masked: bot/logmask.py), unless the command line names another file
with --logging-config-file.
"""

from __future__ import annotations

import sys

SERVER_COMMANDS = ("run", "shell")


def main() -> None:
    from bot import logmask, rasa_patches

    rasa_patches.install()
    from rasa.__main__ import main as rasa_main

    args = sys.argv[1:]
    if args[:1] and args[0] in SERVER_COMMANDS:
        args = logmask.with_config(args, "--logging-config-file")
    sys.argv = ["rasa", *args]
    rasa_main()


if __name__ == "__main__":
    main()
