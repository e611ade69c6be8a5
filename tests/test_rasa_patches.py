"""The project's patches of Rasa: installed at start-up whatever the tracker store, and only on
the pinned Rasa release."""

import subprocess
import sys
from pathlib import Path

import pytest

from bot import rasa_patches
from bot.shell import buttons_as_text, payload_for

ROOT = Path(__file__).resolve().parents[1]


def test_another_rasa_release_is_refused_with_what_to_do():
    with pytest.raises(rasa_patches.UnsupportedRasa, match=r"3\.6\.21.*3\.7\.0.*setup\.sh"):
        rasa_patches.check_version("3.7.0")
    rasa_patches.check_version(rasa_patches.PINNED_RASA)  # the pinned one passes


def test_the_launcher_installs_the_patches_before_rasa_runs_with_any_tracker_store():
    # `python -m bot.launch --version` runs Rasa's own CLI after install(); the speed-up and
    # the try-again wrapper are in place although no clinic tracker store was ever built.
    code = (
        "import sys; sys.argv = ['bot.launch', '--version'];"
        "import bot.launch as launch;"
        "import rasa.__main__ as rm; rm.main = lambda: None;"  # the CLI itself is not the point
        "launch.main();"
        "from rasa.core.actions.action import RemoteAction; from rasa.core.agent import Agent;"
        "print(hasattr(RemoteAction._validate_action_result, '__wrapped__'),"
        "      hasattr(Agent.handle_message, '__wrapped__'))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-2:] == ["True", "True"]


def test_the_shell_shows_buttons_as_a_numbered_list_and_reads_a_number_as_that_button():
    message = {"text": "Shall we start?", "buttons": [{"title": "Start", "payload": "/start"},
                                                      {"title": "Not now", "payload": "/not_now"}]}
    lines = buttons_as_text(message)
    assert lines[0] == "Shall we start?"
    assert "1) Start" in lines[1] and "2) Not now" in lines[2]
    assert payload_for("2", message) == "/not_now"
    assert payload_for("3", message) == "3"  # no such button: the number is an answer
    assert payload_for("", message) == ""  # Enter alone picks nothing
