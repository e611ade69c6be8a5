"""Servers shared by the test modules that need the same set-up (starting a Rasa server costs
about a minute of the test command's budget; a test that stops a server starts it again):

    default_servers   an action server and a Rasa server with the stores of endpoints.yml
                      (SQLite): whole conversations, persistence, log masking, personas
    replicas          two Rasa servers behind nginx on PostgreSQL and Redis, with REST, Slack
                      and Messenger (against the loopback fake of the platforms): scale-out
                      and exactly-once webhooks

The channel stack (tests/channels/conftest.py) and the safety suite's in-memory servers are
their own."""

from __future__ import annotations

import os

import pytest
import yaml


@pytest.fixture(scope="session")
def default_servers(tmp_path_factory):
    from tests.servers import BotServers

    servers = BotServers(tmp_path_factory.mktemp("default-servers")).start()  # SQLite: WORKDIR/screener.db
    yield servers
    servers.stop()


@pytest.fixture(scope="session")
def fake_platforms():
    from tests.channels.fake_platforms import FakePlatforms

    fake = FakePlatforms().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def replicas(tmp_path_factory, fake_platforms):
    from bot.channels import config
    from tests.channels.conftest import MESSENGER_APP_SECRET, MESSENGER_VERIFY_TOKEN, SLACK_SIGNING_SECRET
    from tests.persistence.conftest import POSTGRES_SERVER, REDIS_URL, drop_database, pg_ready, redis_or_fail
    from tests.servers import BotServers

    if not pg_ready():
        pytest.fail("PostgreSQL does not answer on 127.0.0.1:5432: run scripts/setup_services.sh")
    redis_or_fail()
    url = f"{POSTGRES_SERVER}/screener_replicas_{os.getpid()}"
    drop_database(url)
    env = {
        "DATABASE_URL": url, "REDIS_URL": REDIS_URL,
        "SLACK_TOKEN": "fake-slack-bot-token", "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_BASE": fake_platforms.slack_api_base,
        "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN, "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_PAGE_ACCESS_TOKEN": "test-page-access-token",
        "MESSENGER_GRAPH_URL": fake_platforms.messenger_graph_url,
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
    }
    channels = config.platform_channels(env)
    assert len(channels) == 2, channels
    credentials = {"bot.channels.rest.ClinicRestInput": None, **channels}
    servers = BotServers(tmp_path_factory.mktemp("replicas"), rasa_servers=2, nginx=True, env=env,
                         credentials=yaml.safe_dump(credentials, sort_keys=False))
    servers.start()
    yield servers
    servers.stop()
    drop_database(url)
