"""One stack for all channel tests: action server, Rasa server (socket.io, REST, Slack,
Messenger) and the demo page, on free loopback ports, with a loopback fake of the platforms.

The model is the one scripts/train.py prints (SCREENER_MODEL overrides it, e.g. for a model
trained elsewhere). The clinic configuration is a copy of clinic/clinic.yml whose
allowed_origins is the test page's origin.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import Dict

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.channels.stack import Stack  # noqa: E402
from scripts.train import model_path  # noqa: E402

SLACK_SIGNING_SECRET = "test-slack-signing-secret"
MESSENGER_APP_SECRET = "test-messenger-app-secret"
MESSENGER_VERIFY_TOKEN = "test-verify-token"
API_TOKEN = "test-channels-api-token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> Path:
    model = Path(os.environ.get("SCREENER_MODEL") or model_path())
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run scripts/train.py first (scripts/test.sh does)")
    return model


@pytest.fixture(scope="session")
def stack(tmp_path_factory, fake_platforms):
    workdir = tmp_path_factory.mktemp("channels-stack")
    ports = {name: free_port() for name in ("rasa", "actions", "web")}
    web_origin = f"http://127.0.0.1:{ports['web']}"
    clinic = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    clinic["allowed_origins"] = [web_origin]
    clinic_file = workdir / "clinic.yml"
    clinic_file.write_text(yaml.safe_dump(clinic, sort_keys=False), encoding="utf-8")
    env: Dict[str, str] = {
        "CLINIC_CONFIG": str(clinic_file),
        # conversations and records of these tests stay in the test's own database
        "DATABASE_URL": f"sqlite:///{workdir / 'screener.db'}",
        "RASA_API_TOKEN": API_TOKEN,
        "SLACK_TOKEN": "fake-slack-bot-token",
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_BASE": fake_platforms.slack_api_base,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": "test-page-access-token",
        "MESSENGER_GRAPH_URL": fake_platforms.messenger_graph_url,
        "SCREENER_WEB_QUIET": "1",
        "SCREENER_PUBLIC_URL": "",  # the page talks to the local test server
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    running = Stack(trained_model(), workdir=workdir, rasa_port=ports["rasa"], actions_port=ports["actions"],
                    web_port=ports["web"], env=env)
    running.start()
    running.web_origin = web_origin
    yield running
    running.stop()
