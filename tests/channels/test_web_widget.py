"""The website widget in a real browser: a whole screen, hostile input, a page reload (with
the session id the server signed), a conversation deleted by "stop" that leaves nothing in the
tab, and accessibility (axe-core at WCAG 2.2 AA, the live region, the keyboard alone, the
typing dots, a phone-sized screen).

Debian's Chromium, headless, driven by playwright-core (npm, bot/web/package.json) from
tests/channels/browser/screen.mjs. Screenshots go to test-output/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.background import BACKGROUND

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DRIVER = ROOT / "tests" / "channels" / "browser" / "screen.mjs"
PLAYWRIGHT = ROOT / "bot" / "web" / "node_modules" / "playwright-core"
SIGNED_SESSION = re.compile(r"[0-9a-f]{32}\.[A-Za-z0-9_-]{43}")

pytestmark = pytest.mark.servers


def _run_browser(stack):
    """The driver's run, beside the other tests (tests/background.py); None when the browser
    or its driver is missing."""
    if not Path(CHROMIUM).exists() or not shutil.which("node") or not PLAYWRIGHT.exists():
        return None
    env = {**os.environ, "SCREENER_URL": f"{stack.web_url}/", "CHROMIUM": CHROMIUM,
           "SCREENSHOT_DIR": str(ROOT / "test-output")}
    return subprocess.run(["node", str(DRIVER)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


BACKGROUND.define("browser_run", _run_browser, needs=["stack"])


@pytest.fixture(scope="module")
def browser_run():
    finished = BACKGROUND.result("browser_run")
    if finished is None:
        pytest.skip(f"{CHROMIUM}, node or playwright-core is missing: scripts/setup_browser.sh installs them")
    lines = [line for line in finished.stdout.splitlines() if line.startswith("{")]
    assert lines, f"the browser driver printed no result:\n{finished.stdout[-2000:]}\n{finished.stderr[-2000:]}"
    report = json.loads(lines[-1])
    assert report.get("ok"), f"browser run failed: {report.get('error')}; last bot messages: {report.get('bot_texts')}"
    return report


def test_the_page_carries_the_clinic_name_and_colours(browser_run):
    assert browser_run["page_title"].startswith("Stride Sports Medicine")
    assert browser_run["header"] == "Stride Sports Medicine"
    assert browser_run["widget_title"] == "Stride Sports Medicine"
    assert browser_run["header_colour"] == "rgb(11, 110, 79)"  # colours.primary #0b6e4f


def test_a_whole_screen_reaches_the_result_and_the_booking_link(browser_run):
    steps = browser_run["steps"]
    assert [s.get("click") for s in steps[:4]] == ["Start & keep answers"] + ["None of these"] * 3
    assert any("type" in s for s in steps), "some answers are typed, not clicked"
    assert browser_run["result_reached"]
    assert browser_run["booking_link"]
    assert "Book a gait analysis" in browser_run["final_replies"]
    assert (ROOT / "test-output" / "channels-web-result.png").exists()


def test_the_self_checks_show_their_illustrations_with_alt_text(browser_run):
    images = {Path(image["src"]).name: image for image in browser_run["images"]}
    assert set(images) == {"self-check-glute-squeeze.svg", "self-check-knee-drive-balance.svg",
                           "self-check-donkey-kick.svg"}
    for image in images.values():
        assert image["loaded"], image
        assert len(image["alt"]) > 30, image


def test_nothing_is_fetched_from_the_internet(browser_run):
    assert browser_run["external_requests"] == []
    assert not [e for e in browser_run["console_errors"] if "Content Security Policy" in e], browser_run["console_errors"]


def test_hostile_and_unusual_input_is_shown_as_text_and_the_chat_goes_on(browser_run):
    hostile = browser_run["hostile"]
    assert hostile["long"]["shown_length"] == 5000
    assert hostile["html"]["shown_as_text"]
    assert hostile["emoji"]["shown"]
    assert hostile["injected_elements"] == []
    assert hostile["xss"] is None
    for name in ("long", "html", "emoji"):
        assert hostile[name]["bot_answered"], name
    assert "long message" in hostile["long"]["answer"]
    assert hostile["continues"]


def test_a_reload_keeps_the_conversation(browser_run):
    reload = browser_run["reload"]
    assert reload["messages_after"] == reload["messages_before"]
    assert reload["result_kept"]
    assert not reload["welcome_repeated"]
    assert reload["answers_after_reload"]
    # the widget keeps the session id the server issued and signed (bot/channels/socketio.py)
    assert SIGNED_SESSION.fullmatch(reload["session_before"] or ""), reload["session_before"]
    assert reload["session_after"] == reload["session_before"]


def test_a_deleted_conversation_leaves_nothing_in_the_tab(browser_run):
    deleted = browser_run["deleted"]
    assert deleted["stopped"]
    assert deleted["stored_after"] is None, "the deleted chat is still in the tab's session storage"
    assert deleted["after_reload"] == {"stopped_shown": False, "welcome": True}
    assert SIGNED_SESSION.fullmatch(deleted["session_after"] or "")
    assert deleted["session_after"] != deleted["session_before"]


def test_the_transcript_is_kept_in_the_tabs_session_storage_not_in_local_storage(browser_run):
    storage = browser_run["storage"]
    assert "chat_session" in storage["session"]
    assert not [key for key in storage["local"] if "chat" in key.lower()]


# ---------------------------------------------------------------------------------- accessibility
def test_axe_finds_no_wcag_22_aa_violations_with_the_widget_open_at_the_result(browser_run):
    # axe-core (npm) with the tags wcag2a, wcag2aa, wcag21a, wcag21aa, wcag22aa
    assert browser_run["axe_violations"] == [], json.dumps(browser_run["axe_violations"], indent=1)
    assert browser_run["phone"]["axe_violations"] == [], json.dumps(browser_run["phone"]["axe_violations"], indent=1)


def test_each_bot_message_is_read_out_by_a_polite_live_region(browser_run):
    announced = browser_run["announced"]
    assert announced["region"] == {"live": "polite", "hidden": True}
    assert announced["bot_messages"] > 20
    assert announced["texts_match"], announced["first_difference"]
    assert announced["pictures_missing"] == []
    assert browser_run["reload"]["announced_again"] == 0  # a reload does not read the chat out again


def test_a_whole_screen_can_be_done_with_the_keyboard_alone(browser_run):
    keyboard = browser_run["keyboard"]
    assert keyboard["launcher_name"] == "Open the chat with Stride Sports Medicine"
    assert keyboard["focus_after_open"] == "rw-new-message"
    assert {step.get("key") for step in keyboard["steps"]} >= {"Enter", "Space"}
    assert any("type" in step for step in keyboard["steps"])
    assert keyboard["result_reached"]
    assert keyboard["booking_link"]
    assert keyboard["pointer_events"] == 0
    assert (ROOT / "test-output" / "channels-web-keyboard.png").exists()


def test_the_typing_dots_show_from_the_runners_message_until_the_reply(browser_run):
    typing = browser_run["typing"]
    assert not typing["before_send"]
    assert typing["shown_with_the_message"], typing
    assert typing["shown_before_reply"], typing
    assert typing["gone_at_the_end"], typing


def test_on_a_phone_sized_screen_nothing_is_cut_off(browser_run):
    phone = browser_run["phone"]
    assert phone["viewport"] == [390, 844]
    assert phone["long_message_shown"]
    assert phone["widget_inside"] and phone["header_inside"]
    assert phone["input_inside"] and phone["send_inside"]
    assert phone["page_width"] <= 390
    assert phone["overflowing"] == []
    assert (ROOT / "test-output" / "channels-web-phone.png").exists()
