"""`rasa shell` for the clinic's staff: readable messages, no accidental button presses.

Rasa 3.6's terminal shows a message that carries buttons as a selection menu: its text is
cut at the terminal's width and Enter picks the first button, so a staff member pressing
Enter on the welcome starts a screen they never chose. Rasa has no hook for how the shell
shows buttons, so this module replaces two functions of rasa.core.channels.console, for the
pinned Rasa version only: buttons are printed as a numbered list under the full text, and
the tester types an answer or a button's number.

    .venv/bin/python -m bot.shell --model models/<model>.tar.gz   (scripts/run.sh does it)
"""

from __future__ import annotations

import logging
import os
import sys
import warnings
from typing import Any, Dict, List, Optional

PINNED_RASA = "3.6.21"


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


def install() -> None:
    import rasa
    from rasa.core.channels import console

    if rasa.__version__ != PINNED_RASA:
        raise RuntimeError(f"bot/shell.py patches rasa {PINNED_RASA}'s console; this is rasa {rasa.__version__}. "
                           "Check rasa/core/channels/console.py and update the patch.")
    import rasa.shared.utils.cli as cli

    def print_buttons(message, is_latest_message=False, color=rasa.shared.utils.io.bcolors.OKBLUE):
        for line in buttons_as_text(message):
            cli.print_color(line, color=color)
        return None  # never a selection menu: the tester types

    original_input = console._get_user_input

    async def get_user_input(previous_response):
        answer = await original_input(previous_response)
        return payload_for(answer, previous_response)

    def print_bot_output(message, is_latest_message=False, color=rasa.shared.utils.io.bcolors.OKBLUE):
        if "buttons" in message:
            print_buttons(message, is_latest_message, color)
            message = {k: v for k, v in message.items() if k not in ("buttons", "text")}
        return original_print(message, is_latest_message, color)

    original_print = console._print_bot_output
    console.print_buttons = print_buttons
    console._print_bot_output = print_bot_output
    console._get_user_input = get_user_input


def main(argv: Optional[List[str]] = None) -> None:
    _quiet()
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", "shell", "--quiet", *(sys.argv[1:] if argv is None else argv)]
    rasa_main()


if __name__ == "__main__":
    main()
