"""The website widget in a real browser: a whole screen, hostile input, and a page reload.

Debian's Chromium, headless, driven by playwright-core (npm, bot/web/package.json) from
tests/channels/browser/screen.mjs. Screenshots go to test-output/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DRIVER = ROOT / "tests" / "channels" / "browser" / "screen.mjs"
PLAYWRIGHT = ROOT / "bot" / "web" / "node_modules" / "playwright-core"

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def browser_run(stack):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: scripts/setup_browser.sh installs it")
    if not shutil.which("node") or not PLAYWRIGHT.exists():
        pytest.skip("node or playwright-core is missing: scripts/setup_browser.sh installs them")
    env = {**os.environ, "SCREENER_URL": f"{stack.web_url}/", "CHROMIUM": CHROMIUM,
           "SCREENSHOT_DIR": str(ROOT / "test-output")}
    finished = subprocess.run(["node", str(DRIVER)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
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


def test_the_transcript_is_kept_in_the_tabs_session_storage_not_in_local_storage(browser_run):
    storage = browser_run["storage"]
    assert "chat_session" in storage["session"]
    assert not [key for key in storage["local"] if "chat" in key.lower()]
