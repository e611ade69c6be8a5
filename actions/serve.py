"""The action server, on loopback unless the deployment says otherwise.

    python -m actions.serve [--host 127.0.0.1] [--port 5055]   (and every `rasa run actions` option)

rasa_sdk's server listens on every interface and takes its address only from the SANIC_HOST
environment variable; the Rasa server is its only client, so the default here is 127.0.0.1. A
deployment whose Rasa server runs on another machine passes --host 0.0.0.0 (or sets
ACTIONS_HOST) and keeps the port behind its firewall.

It logs through deploy/logging.yml (runners' words and contact details masked:
bot/logmask.py) unless the command line names another file with --logging-config_file
(rasa_sdk's spelling).
"""

from __future__ import annotations

import os
import sys
from typing import List, Optional

DEFAULT_HOST = "127.0.0.1"
REGISTRY = "actions.registry"  # every action, and the start-up check of the clinic's files


def main(argv: Optional[List[str]] = None) -> None:
    from rasa_sdk.__main__ import main_from_args
    from rasa_sdk.endpoint import create_argument_parser

    from bot import logmask

    parser = create_argument_parser()
    parser.add_argument("--host", default=os.environ.get("ACTIONS_HOST", DEFAULT_HOST),
                        help=f"address to listen on (default {DEFAULT_HOST}, or $ACTIONS_HOST)")
    argv = sys.argv[1:] if argv is None else argv
    if not any(a == "--actions" or a.startswith("--actions=") for a in argv):
        argv = [*argv, "--actions", REGISTRY]
    args = parser.parse_args(logmask.with_config(argv, "--logging-config_file"))
    os.environ["SANIC_HOST"] = args.host
    main_from_args(args)


if __name__ == "__main__":
    main()
