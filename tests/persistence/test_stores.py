"""The Rasa server's stores (bot/stores.py), without servers: what endpoints.yml gives with
nothing set, conversations kept across store instances, "no consent, no trace", and the
Redis lock store serialising one conversation across two servers."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import read_endpoint_config

from actions.records import forget_runner, save_contact_request, save_screen
from core import database
from bot.stores import ClinicLockStore, ClinicTrackerStore
from tests.persistence.conftest import REDIS_URL, everything_about, table_rows

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def run(coroutine):
    return asyncio.run(coroutine)


def store_from_endpoints() -> TrackerStore:
    return TrackerStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store"), DOMAIN)


async def a_conversation(store: TrackerStore, sender: str, turns: int = 2):
    tracker = await store.get_or_create_tracker(sender, append_action_listen=False)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    for turn in range(turns):
        tracker.update(UserUttered(f"message {turn}", {"name": "inform", "confidence": 1.0}))
        tracker.update(BotUttered(f"reply {turn}"))
        tracker.update(ActionExecuted("action_listen"))
    await store.save(tracker)
    return tracker


def test_with_nothing_set_endpoints_yml_gives_the_sqlite_file_and_in_memory_locks(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(database, "DEFAULT_SQLITE_PATH", tmp_path / ".rasa" / "screener.db")
    store = store_from_endpoints()
    inner = getattr(store, "_tracker_store", store)
    assert isinstance(inner, ClinicTrackerStore) and inner.url == f"sqlite:///{tmp_path / '.rasa' / 'screener.db'}"
    run(a_conversation(store, "bare"))
    assert (tmp_path / ".rasa" / "screener.db").exists()
    locks = LockStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store"))
    assert isinstance(locks, ClinicLockStore) and locks.redis is None
    action = read_endpoint_config(str(ROOT / "endpoints.yml"), "action_endpoint")
    assert action.url == "http://localhost:5055/webhook"
    database.dispose_engines()


def test_a_conversation_survives_a_new_store(db_url):
    run(a_conversation(ClinicTrackerStore(DOMAIN), "survivor", turns=3))
    tracker = run(ClinicTrackerStore(DOMAIN).retrieve("survivor"))
    assert [e.text for e in tracker.events if isinstance(e, UserUttered)] == ["message 0", "message 1", "message 2"]


def test_saving_twice_stores_each_event_once(db_url):
    store = ClinicTrackerStore(DOMAIN)
    tracker = run(a_conversation(store, "twice"))
    run(store.save(tracker))
    assert len(table_rows(db_url, "events", "twice")) == len(tracker.events)


@pytest.mark.parametrize("domain", [DOMAIN, Domain.empty()], ids=["slots declared", "slots not in the domain"])
@pytest.mark.parametrize("consent", [False, None])
def test_closed_without_consent_nothing_remains_and_nothing_comes_back(db_url, domain, consent):
    store = ClinicTrackerStore(domain)
    tracker = run(a_conversation(store, "no-trace"))
    save_screen("no-trace", {"triage": "self_care", "findings": []})  # (say consent was withdrawn later)
    tracker.update(SlotSet("store_consent", consent))
    run(store.save(tracker))
    assert len(table_rows(db_url, "events", "no-trace")) > 0  # not closed yet: kept
    tracker.update(BotUttered("Nothing of this chat is kept."))
    tracker.update(SlotSet("screen_closed", True))
    run(store.save(tracker))
    assert everything_about(db_url, "no-trace") == {"events": [], "screens": [], "contact_requests": [],
                                                    "orphan screen_items": []}
    # later saves of the same tracker in the same turn, whatever changed, write nothing back
    tracker.update(SlotSet("screen_closed", None))
    tracker.update(SlotSet("store_consent", True))
    tracker.update(ActionExecuted("action_listen"))
    run(store.save(tracker))
    assert table_rows(db_url, "events", "no-trace") == []
    # the runner's next message starts a new conversation
    assert run(store.retrieve("no-trace")) is None


def test_with_consent_the_closed_conversation_is_kept(db_url):
    store = ClinicTrackerStore(DOMAIN)
    tracker = run(a_conversation(store, "kept"))
    tracker.update(SlotSet("store_consent", True))
    tracker.update(SlotSet("screen_closed", True))
    run(store.save(tracker))
    assert len(table_rows(db_url, "events", "kept")) == len(tracker.events)


def test_a_conversation_deleted_during_a_turn_is_not_written_back(db_url):
    store = ClinicTrackerStore(DOMAIN)
    run(a_conversation(store, "deleted-mid-turn"))
    tracker = run(store.retrieve("deleted-mid-turn"))  # the turn starts
    save_contact_request("deleted-mid-turn", "Jane", "jane@example.com", None, "mornings")
    forget_runner("deleted-mid-turn")  # an action (or the clinic) deletes the runner's data
    tracker.update(UserUttered("please delete my data", {"name": "inform", "confidence": 1.0}))
    tracker.update(BotUttered("Done: nothing of yours is kept."))
    run(store.save(tracker))  # the end of the turn
    run(store.save(tracker))
    assert everything_about(db_url, "deleted-mid-turn") == {"events": [], "screens": [], "contact_requests": [],
                                                            "orphan screen_items": []}


def test_the_redis_lock_store_serialises_one_conversation_across_two_servers(monkeypatch, services):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    servers = [ClinicLockStore(), ClinicLockStore()]  # two Rasa servers, one Redis
    conversation = f"lock-test-{time.time()}"
    inside, overlaps, order = [], [], []

    async def handle(server: ClinicLockStore, number: int) -> None:
        async with server.lock(conversation, wait_time_in_seconds=0.05):
            if inside:
                overlaps.append(number)
            inside.append(number)
            order.append(number)
            await asyncio.sleep(0.05)
            inside.remove(number)

    async def burst() -> None:
        await asyncio.gather(*(handle(servers[n % 2], n) for n in range(8)))

    run(burst())
    assert overlaps == [] and sorted(order) == list(range(8))
    redis = servers[0].redis
    assert redis.keys(f"{ClinicLockStore.KEY_PREFIX}*{conversation}*") == []  # nothing left behind


def test_redis_lock_keys_expire_on_their_own(monkeypatch, services):
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    locks = ClinicLockStore()
    conversation = f"ttl-test-{time.time()}"
    locks.issue_ticket(conversation)
    ttl = locks.redis.ttl(ClinicLockStore.KEY_PREFIX + conversation)
    locks.delete_lock(conversation)
    assert 0 < ttl <= 180


def test_action_server_responses_are_still_validated_with_the_cached_schema():
    from jsonschema import ValidationError
    from rasa.core.actions.action import RemoteAction

    from bot import speedups

    speedups.install()
    action = RemoteAction("action_anything", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result({"events": "not a list"})


def _age(db_url: str, sender: str, seconds: float) -> None:
    """Make a conversation look `seconds` older than it is."""
    import sqlalchemy as sa

    engine = database.engine_for(db_url)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE events SET timestamp = timestamp - :s WHERE sender_id = :id"),
                           {"s": seconds, "id": sender})


@pytest.mark.parametrize("consent, kept", [(None, False), (False, False), (True, True)])
def test_the_server_itself_deletes_an_idle_conversation_without_consent(db_url, monkeypatch, consent, kept):
    monkeypatch.setenv("SCREENER_SWEEP_SECONDS", "0.2")
    store = ClinicTrackerStore(DOMAIN)  # its sweeper thread runs in this process
    tracker = run(a_conversation(store, "idle"))
    tracker.update(SlotSet("store_consent", consent))
    run(store.save(tracker))
    run(a_conversation(store, "talking"))  # another runner, still active
    _age(db_url, "idle", 31 * 60)  # clinic.yml: idle_minutes 30
    deadline = time.time() + 10
    while time.time() < deadline and table_rows(db_url, "events", "idle") and not kept:
        time.sleep(0.2)
    time.sleep(0.5)
    store.close()
    assert bool(table_rows(db_url, "events", "idle")) is kept
    assert table_rows(db_url, "events", "talking")  # an active conversation is never touched


def test_a_runner_back_after_the_session_expired_starts_afresh_and_the_old_chat_is_gone(db_url, monkeypatch):
    monkeypatch.setenv("SCREENER_SWEEP_SECONDS", "3600")  # only the return path, not the sweeper
    monkeypatch.setenv("SCREENER_IDLE_MINUTES", "600")  # longer than the session: expiry decides
    store = ClinicTrackerStore(DOMAIN)
    run(a_conversation(store, "expired"))
    _age(db_url, "expired", (DOMAIN.session_config.session_expiration_time + 1) * 60)
    assert run(store.retrieve("expired")) is None
    assert table_rows(db_url, "events", "expired") == []


def test_goodbye_closes_a_conversation_without_consent_so_the_store_deletes_it(db_url):
    from actions.stop_screen import ActionGoodbye
    from tests.actions.helpers import run as run_action, slot_sets, tracker as sdk_tracker

    # (a goodbye as the very first message gets the welcome instead: nothing to close yet)
    shown = [{"event": "bot", "text": "Shall we start?"}]
    events, _ = run_action(ActionGoodbye(), sdk_tracker(intent="goodbye", text="bye", active_loop=None, events=shown))
    assert slot_sets(events) == {"screen_closed": True}
    store = ClinicTrackerStore(DOMAIN)
    conversation = run(a_conversation(store, "bye"))
    conversation.update(SlotSet("screen_closed", True))
    run(store.save(conversation))
    assert table_rows(db_url, "events", "bye") == []
