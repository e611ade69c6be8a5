"""Every change this project makes to Rasa's own code, installed in one call.

Rasa 3.6 has no supported hook for any of these, so each wraps a Rasa method (see the module
named for why):

* core/privacy.py  - a log-record factory that masks contact details (Rasa logs whole
  messages at DEBUG level and in its errors; a logging filter would miss records of
  libraries that log before our handlers are set up).
* bot/hiccups.py   - RemoteAction.run, MessageProcessor._run_action, Agent.handle_message and
  Agent._create_tracker_store: the runner reads "try again in a moment" when a service fails,
  instead of silence or a wrong reply (Rasa offers no error hook for channels).
* bot/speedups.py  - RemoteAction._validate_action_result: the action server's reply is
  validated with a validator built once, instead of re-checking Rasa's own JSON schema
  against the meta-schema on every call (a third of the Rasa server's CPU under load).
* install_console (`rasa shell` only, bot/shell.py) - rasa.core.channels.console's button
  menu: Rasa cuts a message with buttons at the terminal's width and Enter picks the first
  button; the staff's shell prints the whole text and numbered buttons instead.

They are written against one Rasa release: `install()` refuses any other, so an upgrade fails
at start-up, loudly, instead of running with wrappers around methods that changed. It is
called by the launcher every script uses (`python -m bot.launch`, bot/launch.py) before Rasa
starts, and again (a no-op then) by the clinic's tracker store, so a bare `rasa run` with the
project's endpoints.yml gets the same behaviour.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional

PINNED_RASA = "3.6.21"
# Set to 1 only to try a different Rasa release on purpose (the patches stay off then).
SKIP_VERSION_CHECK = "SCREENER_ALLOW_OTHER_RASA"


class UnsupportedRasa(RuntimeError):
    pass


def check_version(version: str | None = None) -> None:
    if version is None:
        import rasa
        version = rasa.__version__
    if version != PINNED_RASA:
        raise UnsupportedRasa(
            f"this screener patches Rasa {PINNED_RASA} (bot/rasa_patches.py) but Rasa {version} is "
            f"installed: install the pinned version (./scripts/setup.sh), or port the patches and "
            f"update PINNED_RASA")


def install() -> bool:
    """Install every patch once. False (and nothing patched) when the check is skipped on
    another Rasa release."""
    from bot import hiccups, speedups
    from core import privacy

    privacy.install()  # touches only Python's logging: safe on any release
    try:
        check_version()
    except UnsupportedRasa:
        if os.environ.get(SKIP_VERSION_CHECK) == "1":
            return False
        raise
    hiccups.install()
    speedups.install()
    return True


def install_console(buttons_as_text: Callable[[Dict[str, Any]], List[str]],
                    payload_for: Callable[[Optional[str], Optional[Dict[str, Any]]], Optional[str]]) -> None:
    """`rasa shell`: show a message with buttons as its text and a numbered list
    (buttons_as_text), and turn a typed number into that button's payload (payload_for)."""
    check_version()
    import rasa.shared.utils.cli as cli
    import rasa.shared.utils.io
    from rasa.core.channels import console

    def print_buttons(message, is_latest_message=False, color=rasa.shared.utils.io.bcolors.OKBLUE):
        for line in buttons_as_text(message):
            cli.print_color(line, color=color)
        return None  # never a selection menu: the tester types

    original_input = console._get_user_input
    original_print = console._print_bot_output

    async def get_user_input(previous_response):
        answer = await original_input(previous_response)
        return payload_for(answer, previous_response)

    def print_bot_output(message, is_latest_message=False, color=rasa.shared.utils.io.bcolors.OKBLUE):
        if "buttons" in message:
            print_buttons(message, is_latest_message, color)
            message = {k: v for k, v in message.items() if k not in ("buttons", "text")}
        return original_print(message, is_latest_message, color)

    console.print_buttons = print_buttons
    console._print_bot_output = print_bot_output
    console._get_user_input = get_user_input
