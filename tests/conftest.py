"""Servers shared by the test modules, started beside the tests (tests/background.py):

    fake_platforms    a loopback fake of Slack's and Messenger's APIs
    stack             the channel stack (bot/channels/stack.py): action server, Rasa server with
                      socket.io, REST, Slack and Messenger, and the demo page; SQLite
    default_servers   an action server and a Rasa server with the stores of endpoints.yml
                      (SQLite): whole conversations, persistence, log masking, personas
    replicas          two Rasa servers behind nginx on PostgreSQL and Redis, with REST, Slack
                      and Messenger: scale-out and exactly-once webhooks

Batch checks define their own set-ups beside their tests (the safety suite, the browser run,
the test stories, the held-out NLU evaluation). Each set-up logs to test-output/servers/<name>/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import yaml

from tests.background import BACKGROUND

ROOT = Path(__file__).resolve().parent.parent
SERVERS_OUTPUT = ROOT / "test-output" / "servers"


def workdir(name: str) -> Path:
    """A fresh folder for a set-up's logs and databases (kept after the run to read)."""
    path = SERVERS_OUTPUT / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _fake_platforms():
    from tests.channels.fake_platforms import FakePlatforms

    return FakePlatforms().start()


def _platform_env(fake):
    """Slack and Messenger on the loopback fake of their APIs, with the tests' secrets."""
    from tests.channels.conftest import MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN, SLACK_SIGNING_SECRET

    return {
        "SLACK_TOKEN": "fake-slack-bot-token", "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_BASE": fake.slack_api_base,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN, "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": "test-page-access-token",
        "MESSENGER_GRAPH_URL": fake.messenger_graph_url,
    }


def _stack(fake):
    from bot.channels.stack import Stack
    from tests.channels.conftest import API_TOKEN
    from tests.servers import START_TIMEOUT, free_port, trained_model

    folder = workdir("stack")
    ports = {name: free_port() for name in ("rasa", "actions", "web")}
    web_origin = f"http://127.0.0.1:{ports['web']}"
    clinic = yaml.safe_load((ROOT / "clinic" / "clinic.yml").read_text(encoding="utf-8"))
    clinic["allowed_origins"] = [web_origin]
    clinic_file = folder / "clinic.yml"
    clinic_file.write_text(yaml.safe_dump(clinic, sort_keys=False), encoding="utf-8")
    env = {
        "CLINIC_CONFIG": str(clinic_file),
        # conversations and records of these tests stay in the test's own database
        "DATABASE_URL": f"sqlite:///{folder / 'screener.db'}",
        "RASA_API_TOKEN": API_TOKEN,
        **_platform_env(fake),
        "SCREENER_WEB_QUIET": "1",
        "SCREENER_PUBLIC_URL": "",  # the page talks to the local test server
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    model = trained_model()
    if not model.exists():
        raise RuntimeError(f"no trained model at {model}: run scripts/train.py first (scripts/test.sh does)")
    running = Stack(model, workdir=folder, rasa_port=ports["rasa"], actions_port=ports["actions"],
                    web_port=ports["web"], env=env)
    running.start(timeout=START_TIMEOUT)
    running.web_origin = web_origin
    return running


def _default_servers():
    from tests.servers import BotServers

    return BotServers(workdir("default")).start()  # SQLite: WORKDIR/screener.db


def _replicas(fake):
    from bot.channels import config
    from tests.persistence.conftest import POSTGRES_SERVER, REDIS_URL, drop_database, pg_ready, redis_or_fail
    from tests.servers import BotServers

    if not pg_ready():
        raise RuntimeError("PostgreSQL does not answer on 127.0.0.1:5432: run scripts/setup_services.sh")
    redis_or_fail()
    url = f"{POSTGRES_SERVER}/screener_replicas_{os.getpid()}"
    drop_database(url)
    env = {
        "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
        **_platform_env(fake),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    channels = config.platform_channels(env)
    assert len(channels) == 2, channels
    credentials = {"bot.channels.rest.ClinicRestInput": None, **channels}
    servers = BotServers(workdir("replicas"), rasa_servers=2, nginx=True, env=env,
                         credentials=yaml.safe_dump(credentials, sort_keys=False))
    servers.start()
    return servers


def _stop_replicas(servers) -> None:
    from tests.persistence.conftest import drop_database

    servers.stop()
    drop_database(servers.database_url)


BACKGROUND.define("fake_platforms", _fake_platforms, stop=lambda fake: fake.stop())
BACKGROUND.define("stack", _stack, stop=lambda stack: stack.stop(), needs=["fake_platforms"])
BACKGROUND.define("default_servers", _default_servers, stop=lambda servers: servers.stop())
BACKGROUND.define("replicas", _replicas, stop=_stop_replicas, needs=["fake_platforms"])


@pytest.fixture(scope="session")
def fake_platforms():
    return BACKGROUND.result("fake_platforms")


@pytest.fixture(scope="session")
def stack():
    return BACKGROUND.result("stack")


@pytest.fixture(scope="session")
def default_servers():
    return BACKGROUND.result("default_servers")


@pytest.fixture(scope="session")
def replicas():
    return BACKGROUND.result("replicas")


def pytest_collection_finish(session: pytest.Session) -> None:
    if session.config.option.collectonly:
        return
    wanted = {name for item in session.items for name in getattr(item, "fixturenames", ())
              if name in BACKGROUND.names}
    BACKGROUND.launch(sorted(wanted))


def pytest_sessionfinish(session: pytest.Session) -> None:
    BACKGROUND.stop_all()


def pytest_terminal_summary(terminalreporter) -> None:
    timings = BACKGROUND.timings()
    if timings:
        terminalreporter.write_line("set-ups beside the tests (seconds from their start): " + ", ".join(
            f"{name} {seconds}" for name, seconds in sorted(timings.items(), key=lambda kv: -kv[1])))
