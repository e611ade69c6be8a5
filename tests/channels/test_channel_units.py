"""The channel code without servers: splitting, button titles, message shapes, signatures,
the generated credentials and server arguments, and the demo page's server."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import urllib.error
import urllib.request

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels import config
from bot.channels.messenger import messenger_messages, signature_is_valid
from bot.channels.slack import BLOCK_LIMIT, escape, slack_messages
from bot.channels.text import short_title, split_text, unique_titles
from bot.web import server as web
from tests.actions.helpers import domain


# ---------------------------------------------------------------------------------- splitting
@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab cd.!?\n")) , min_size=0, max_size=600),
       st.integers(min_value=1, max_value=120))
def test_split_text_keeps_every_word_within_the_limit(text, limit):
    pieces = split_text(text, limit)
    assert all(0 < len(piece) <= limit for piece in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_split_text_prefers_paragraphs_then_lines_then_sentences():
    paragraphs = ["First paragraph. " * 5, "Second paragraph. " * 5]
    text = "\n\n".join(p.strip() for p in paragraphs)
    assert split_text(text, 100) == [p.strip() for p in paragraphs]
    assert split_text("One sentence here. Two sentence here. Three.", 20) == [
        "One sentence here.", "Two sentence here.", "Three."]
    assert split_text("word " * 10, 12) == ["word word", "word word", "word word", "word word", "word word"]
    assert split_text("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]  # only a too-long "word" is cut
    assert split_text("   ", 10) == []


def test_short_titles_fit_and_stay_distinct():
    assert short_title("Outside of thigh (IT band)", 20) == "Outside of thigh"
    assert short_title("Even at rest or at night", 20) == "Even at rest…"
    assert short_title("Trouble on my right leg", 20) == "Trouble on my right…"
    assert short_title("Knee", 20) == "Knee"
    titles = unique_titles(["Option number 1 long", "Option number 1 longer", "Option number 1 longest"], 12)
    assert len(set(titles)) == 3 and all(len(t) <= 12 for t in titles)


def test_every_domain_button_fits_messenger_and_slack():
    titles = [b["title"] for variants in domain()["responses"].values() for v in variants for b in v.get("buttons", [])]
    assert titles
    assert all(len(short_title(t, 20)) <= 20 and short_title(t, 20).strip() for t in titles)


# ---------------------------------------------------------------------------------- message shapes
def test_slack_messages_escape_and_put_buttons_last():
    messages = slack_messages("a <b> & c", [{"title": "Yes", "payload": "/affirm"}])
    assert messages[0]["text"] == "a &lt;b&gt; &amp; c"
    assert messages[0]["blocks"][-1] == {"type": "actions", "elements": [{
        "type": "button", "text": {"type": "plain_text", "text": "Yes", "emoji": True},
        "action_id": "screener_button_0", "value": "/affirm"}]}
    many = slack_messages("Pick", [{"title": str(n), "payload": f"/p{n}"} for n in range(30)])
    assert [len(b["elements"]) for b in many[-1]["blocks"] if b["type"] == "actions"] == [25, 5]


def test_slack_messages_split_over_40000_characters_and_50_blocks():
    text = "\n\n".join(["Sentence one. Sentence two. " * 100] * 30)  # about 84,000 characters
    messages = slack_messages(text, [{"title": "OK", "payload": "/affirm"}])
    assert len(messages) >= 3
    for message in messages:
        assert len(message["text"]) <= 40000 and len(message["blocks"]) <= BLOCK_LIMIT
        assert all(len(b["text"]["text"]) <= 3000 for b in message["blocks"] if b["type"] == "section")
    assert messages[-1]["blocks"][-1]["type"] == "actions"


def test_messenger_messages_use_quick_replies_on_the_last_piece():
    messages = messenger_messages("Hello", [{"title": "Outside of thigh (IT band)", "payload": "/x"}])
    assert messages == [{"text": "Hello", "quick_replies": [
        {"content_type": "text", "title": "Outside of thigh", "payload": "/x"}]}]
    assert messenger_messages("Hi") == [{"text": "Hi"}]


def test_escape_slack_control_characters():
    assert escape("<@U123> & <!channel>") == "&lt;@U123&gt; &amp; &lt;!channel&gt;"


# ---------------------------------------------------------------------------------- signatures
def test_messenger_signature_check():
    body, secret = b'{"object":"page"}', "s3cret"
    sha256 = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    sha1 = "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest()
    assert signature_is_valid(secret, body, {"X-Hub-Signature-256": sha256})
    assert signature_is_valid(secret, body, {"X-Hub-Signature": sha1})
    assert not signature_is_valid(secret, body, {})
    assert not signature_is_valid(secret, body + b" ", {"X-Hub-Signature-256": sha256})
    assert not signature_is_valid("other", body, {"X-Hub-Signature-256": sha256})
    assert not signature_is_valid(secret, body, {"X-Hub-Signature-256": sha256.replace("sha256", "md5")})
    assert not signature_is_valid(secret, body, {"X-Hub-Signature-256": "sha256=é", "X-Hub-Signature": sha1})
    assert not signature_is_valid("", body, {"X-Hub-Signature-256": sha256})


# ---------------------------------------------------------------------------------- credentials and arguments
def test_bare_credentials_need_no_secret():
    text = config.CREDENTIALS.read_text()
    assert "${" not in text
    assert set(yaml.safe_load(text)) == {"bot.channels.rest.ClinicRestInput", "bot.channels.socketio.ClinicSocketIOInput"}


def test_platforms_are_added_only_when_all_their_variables_are_set(tmp_path):
    out = tmp_path / "credentials.yml"
    assert config.write_credentials(out, {}) == ["bot.channels.rest.ClinicRestInput", "bot.channels.socketio.ClinicSocketIOInput"]
    env = {"SLACK_TOKEN": "fake-slack-SECRET-TOKEN", "SLACK_SIGNING_SECRET": "SIGNING-SECRET",
           "MESSENGER_APP_SECRET": "APP-SECRET", "MESSENGER_VERIFY_TOKEN": "", "MESSENGER_PAGE_ACCESS_TOKEN": "x"}
    names = config.write_credentials(out, env)
    assert "bot.channels.slack.ClinicSlackInput" in names
    assert "bot.channels.messenger.ClinicMessengerInput" not in names  # an empty variable counts as unset
    written = out.read_text()
    assert "${SLACK_TOKEN}" in written and "${SLACK_SIGNING_SECRET}" in written
    assert "SECRET" not in written.replace("${SLACK_SIGNING_SECRET}", "")  # placeholders only, no secret


def test_rasa_arguments_cors_and_api_token():
    assert config.rasa_server_args({}, ["http://a.example"]) == ["--cors", "http://a.example"]
    assert config.rasa_server_args({"RASA_API_TOKEN": "tok"}, []) == ["--enable-api", "--auth-token", "tok"]
    assert config.allowed_origins({"allowed_origins": ["http://x.example/", " "]}) == ["http://x.example"]


# ---------------------------------------------------------------------------------- the page's server
@pytest.fixture(scope="module")
def page_server():
    server, thread = web.serve_in_thread("127.0.0.1", 0, "http://127.0.0.1:5999")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), ""


def test_page_and_widget_settings_come_from_the_clinic_file(page_server, tmp_path, monkeypatch):
    clinic = yaml.safe_load(open(web.DEFAULT_CLINIC))
    clinic.update(name="Testing <Clinic> & Co", colours={"primary": "#123456", "accent": "#abcdef",
                                                         "text_on_primary": "#000000"})
    path = tmp_path / "clinic.yml"
    path.write_text(yaml.safe_dump(clinic))
    monkeypatch.setenv("CLINIC_CONFIG", str(path))
    status, headers, page = fetch(page_server + "/")
    assert status == 200 and "Testing &lt;Clinic&gt; &amp; Co" in page and "<Clinic>" not in page
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "ws://127.0.0.1:5999" in headers["Content-Security-Policy"]
    status, _, script = fetch(page_server + "/screener/config.js")
    settings_json = json.loads(re.search(r"window.SCREENER_CONFIG = (.*);", script, re.S).group(1))
    assert settings_json["clinicName"] == "Testing <Clinic> & Co" and "<" not in script.split("=", 1)[1]
    assert settings_json["colours"]["primary"] == "#123456"
    assert settings_json["socketUrl"] == "http://127.0.0.1:5999" and settings_json["initPayload"] == "/greet"
    assert settings_json["storage"] == "session"
    assert len(settings_json["pictureDescriptions"]) == 3


def test_the_self_check_pictures_in_the_domain_exist_and_carry_alt_text():
    images = [v["image"] for name, variants in domain()["responses"].items() for v in variants if v.get("image")]
    assert len(images) == 3
    descriptions = web.picture_descriptions()
    for image in images:
        assert (web.ASSETS / image[len("/screener/"):]).is_file(), image
        assert len(descriptions[image]) > 30


def test_self_check_variants_are_the_default_words_plus_a_picture():
    responses = domain()["responses"]
    # the instructions (a message of their own, before the short "try it now?") carry the picture
    for name in ("utter_preamble_activation_choice", "utter_preamble_balance_choice", "utter_preamble_donkey_choice"):
        default, web_variant = responses[name]
        assert "channel" not in default and "image" not in default
        assert web_variant["channel"] == "socketio" and web_variant["image"].endswith(".svg")
        assert web_variant["text"] == default["text"]


def test_the_page_server_serves_only_its_own_files(page_server):
    for path in ("/screener/../server.py", "/screener/%2e%2e/server.py", "/../../clinic/clinic.yml",
                 "/screener/img/../../index.html", "/package.json", "/node_modules/rasa-webchat/lib/index.js"):
        assert fetch(page_server + path)[0] == 404, path
    assert fetch(page_server + "/screener/img/self-check-donkey-kick.svg")[1]["Content-Type"].startswith("image/svg+xml")


def test_the_widget_bundle_loads_nothing_from_the_internet(page_server):
    if not web.WEBCHAT_BUNDLE.exists():
        pytest.skip("npm packages not installed (scripts/setup_web.sh)")
    status, _, bundle = fetch(page_server + "/screener/webchat.js")
    assert status == 200
    assert "fonts.googleapis.com" not in bundle
    assert not re.search(r"@import url\(https?:", bundle)
