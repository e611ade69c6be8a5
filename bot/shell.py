"""`rasa shell` for the clinic's staff: readable messages, no accidental button presses.

Rasa 3.6's terminal shows a message that carries buttons as a selection menu: its text is
cut at the terminal's width and Enter picks the first button, so a staff member pressing
Enter on the welcome starts a screen they never chose. Rasa has no hook for how the shell
shows buttons, so bot/rasa_patches.py (install_console) replaces functions of
rasa.core.channels.console, for the pinned Rasa version only, with the ones here: buttons are
printed as a numbered list under the full text, and the tester types an answer or a button's
number.

    .venv/bin/python -m bot.shell --model models/<model>.tar.gz   (scripts/run.sh does it)
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Any, Dict, List, Optional

def _quiet() -> None:
    """No screen of library warnings before the first message."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    warnings.filterwarnings("ignore")
    for noisy in ("tensorflow", "absl", "rasa", "sanic", "asyncio", "urllib3", "matplotlib"):
        logging.getLogger(noisy).setLevel(logging.ERROR)


def buttons_as_text(message: Dict[str, Any]) -> List[str]:
    lines = [message.get("text") or ""]
    lines += [f"  {i}) {button.get('title')}" for i, button in enumerate(message.get("buttons") or [], 1)]
    lines.append("  (type your answer, or a number)")
    return lines


def payload_for(answer: Optional[str], message: Optional[Dict[str, Any]]) -> Optional[str]:
    """A typed button number becomes that button's payload; anything else stays as typed."""
    buttons = (message or {}).get("buttons") or []
    if answer is not None and answer.strip().isdigit() and 1 <= int(answer) <= len(buttons):
        return buttons[int(answer) - 1].get("payload")
    return answer


def main(argv: Optional[List[str]] = None) -> None:
    _quiet()
    from bot import rasa_patches

    rasa_patches.install()
    rasa_patches.install_console(buttons_as_text, payload_for)
    from rasa.__main__ import main as rasa_main

    # rasa shell serves HTTP on every interface by default; loopback unless --interface is given.
    sys.argv = ["rasa", "shell", "--quiet", "--interface", "127.0.0.1", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
