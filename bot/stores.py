"""Where the Rasa server keeps conversations (tracker store) and who may handle one (lock store).

endpoints.yml names both classes, so a bare `rasa run` or `rasa shell` uses them:

* ClinicTrackerStore - Rasa's SQL tracker store on the clinic's database (core/database.py):
  the SQLite file .rasa/screener.db by default, PostgreSQL when DATABASE_URL is set. A
  conversation survives a restart of the Rasa server, and any Rasa server can carry it on.
  No consent, no trace: once a conversation without storage consent (slot `store_consent`
  false, or never answered) has ended (slot `screen_closed` true), saving it deletes
  everything stored about it instead - its events and any record - and that tracker object
  is never written again (so a later save in the same turn cannot bring anything back).
* ClinicLockStore - one Rasa server at a time handles a conversation: in memory by default,
  in Redis when REDIS_URL is set (required as soon as more than one Rasa server runs).

The project's patches of Rasa (bot/rasa_patches.py) are installed at start-up by the launcher
(bot/launch.py); loading these stores installs them too, for a bare `rasa run`.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import threading
import time
import weakref
from typing import Any, Dict, Iterator, Optional, Text

import sqlalchemy as sa
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.events import AllSlotsReset, Restarted, SessionStarted, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import ConnectionException
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot import rasa_patches
from core import database

logger = logging.getLogger(__name__)

STORE_CONSENT = "store_consent"  # true: keep; false: don't keep; null: not asked (don't keep)
SCREEN_CLOSED = "screen_closed"  # true once the conversation has ended
REDIS_URL_VARIABLE = "REDIS_URL"
# Without consent a conversation lasts only while the runner is talking: the clinic's idle
# time (clinic/clinic.yml idle_minutes) or the session expiry, whichever is shorter.
IDLE_MINUTES_VARIABLE = "SCREENER_IDLE_MINUTES"  # overrides clinic.yml (tests)
SWEEP_SECONDS_VARIABLE = "SCREENER_SWEEP_SECONDS"  # how often the server looks (default 60)
CONNECT_TIMEOUT_VARIABLE = "STORE_CONNECT_TIMEOUT"  # seconds to wait for a database/Redis at start


def _install_server_wrappers() -> None:
    # Normally done already by the launcher (bot/launch.py); this covers a bare `rasa run`.
    rasa_patches.install()


def _connect_timeout() -> float:
    return float(os.environ.get(CONNECT_TIMEOUT_VARIABLE, 60))


def _latest_slot_value(tracker: DialogueStateTracker, name: str) -> Any:
    """A slot's value; read from the events when the domain does not declare the slot."""
    if name in tracker.slots:
        return tracker.slots[name].value
    for event in reversed(tracker.events):
        if isinstance(event, SlotSet) and event.key == name:
            return event.value
        if isinstance(event, (AllSlotsReset, Restarted, SessionStarted)):
            return None
    return None


def idle_limit_seconds(domain=None) -> float:
    """How long a conversation without consent may sit without a message."""
    from core.clinic import load_clinic

    minutes = float(os.environ.get(IDLE_MINUTES_VARIABLE) or load_clinic().get("idle_minutes") or 30)
    expiry = getattr(getattr(domain, "session_config", None), "session_expiration_time", 0) or 0
    if expiry:
        minutes = min(minutes, float(expiry))
    return minutes * 60


def closed_without_consent(tracker: DialogueStateTracker) -> bool:
    """The conversation has ended and the runner did not agree to storage: keep nothing."""
    return (_latest_slot_value(tracker, SCREEN_CLOSED) is True
            and _latest_slot_value(tracker, STORE_CONSENT) is not True)


class _TrackerMarks:
    """Per-tracker-object notes (DialogueStateTracker is not hashable), dropped with the object."""

    def __init__(self) -> None:
        self._values: Dict[int, Any] = {}

    def set(self, tracker: DialogueStateTracker, value: Any) -> None:
        key = id(tracker)
        if key not in self._values:
            weakref.finalize(tracker, self._values.pop, key, None)
        self._values[key] = value

    def get(self, tracker: DialogueStateTracker) -> Any:
        return self._values.get(id(tracker))


class ClinicTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store on the clinic's database, with "no consent, no trace"."""

    # A database failure fails the turn (the runner is asked to try again, bot/hiccups.py)
    # instead of Rasa's fallback to a new conversation in one server's memory.
    failures_reach_the_runner = True

    def __init__(self, domain=None, host: Optional[Text] = None, event_broker=None,
                 url: Optional[Text] = None, **kwargs: Any) -> None:
        _install_server_wrappers()
        # DATABASE_URL wins; then a url in endpoints.yml; then the SQLite default.
        configured = os.environ.get(database.URL_VARIABLE) or url or (host if host and "://" in host else None)
        self.url = database.database_url({database.URL_VARIABLE: configured} if configured else {})
        self.engine = database.engine_for(self.url)
        try:
            database.wait_until_reachable(self.engine, _connect_timeout())
        except database.DatabaseUnavailable as error:
            raise ConnectionException(str(error)) from error
        self._create_events_table()
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._stored = _TrackerMarks()  # per tracker object: how many of its events are stored
        self._forgotten = _TrackerMarks()  # trackers whose conversation was deleted
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        logger.info("Conversations are kept in %s", database.display_url(self.url))
        self._start_idle_sweeper()

    # ------------------------------------------------------------------ idle conversations
    def _start_idle_sweeper(self) -> None:
        """A daemon thread of this server deletes conversations without consent once they
        have been idle for the clinic's idle time: no cron job, and an abandoned chat does
        not wait for a purge. Every replica runs one; the deletes are idempotent."""
        interval = float(os.environ.get(SWEEP_SECONDS_VARIABLE) or 60)
        self._sweeper_stop = stop = threading.Event()
        store_ref = weakref.ref(self)  # the thread must not keep a discarded store alive

        def sweep_forever() -> None:
            while not stop.wait(interval):
                store = store_ref()
                if store is None:
                    return
                try:
                    store.sweep_idle()
                except Exception:  # a database hiccup must not kill the sweeper
                    logger.exception("Could not delete idle conversations")
                del store

        threading.Thread(target=sweep_forever, name="idle-conversation-sweeper", daemon=True).start()

    def close(self) -> None:
        """Stop this store's idle sweeper (the server's own store runs until the process ends)."""
        self._sweeper_stop.set()

    def _idle_limit(self) -> float:
        """Read once per store (clinic.yml changes need a restart, as the README says), not
        on every turn: `_retrieve` asks for it each time a conversation is loaded."""
        if getattr(self, "_idle_seconds", None) is None:
            self._idle_seconds = idle_limit_seconds(self.domain)
        return self._idle_seconds

    def sweep_idle(self) -> int:
        cutoff = time.time() - self._idle_limit()
        with self.engine.begin() as connection:
            idle = database.idle_conversations_without_consent(connection, cutoff)
            for sender_id in idle:
                database.delete_runner_rows(connection, sender_id)
        if idle:
            logger.info("Deleted %d idle conversation(s) without storage consent", len(idle))
        return len(idle)

    def _create_events_table(self) -> None:
        try:
            self.Base.metadata.create_all(self.engine)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            # Several Rasa servers starting together may race to create it: fine if it exists.
            with self.engine.connect() as connection:
                if not database.has_table(connection, database.EVENTS_TABLE):
                    raise

    # ------------------------------------------------------------------ reading
    async def _retrieve(self, sender_id: Text, fetch_events_from_all_sessions: bool
                        ) -> Optional[DialogueStateTracker]:
        tracker = await super()._retrieve(sender_id, fetch_events_from_all_sessions)
        if tracker is not None and self._idle_without_consent(tracker):
            # The runner comes back after the idle time (or an expired session) before the
            # sweeper got to it: the old conversation is deleted, and they start afresh.
            with self.engine.begin() as connection:
                database.delete_runner_rows(connection, sender_id)
            logger.info("An idle conversation without storage consent was deleted on return")
            return None
        if tracker is not None:
            self._stored.set(tracker, len(tracker.events))
        return tracker

    def _idle_without_consent(self, tracker: DialogueStateTracker) -> bool:
        if _latest_slot_value(tracker, STORE_CONSENT) is True:
            return False
        with self.engine.connect() as connection:  # the same clock the sweeper reads
            last = database.last_event_time(connection, tracker.sender_id)
        return last is not None and last < time.time() - self._idle_limit()

    # ------------------------------------------------------------------ writing
    async def save(self, tracker: DialogueStateTracker) -> None:
        if self._forgotten.get(tracker) or closed_without_consent(tracker):
            self._forget(tracker)
            return
        await self.stream_events(tracker)
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            known = self._stored.get(tracker)
            if known and stored == 0:
                # Its events were in the database and now there are none: the runner's data was
                # deleted while this turn ran (forget_runner, the clinic's "forget" command).
                # Writing the tracker back would bring it all back.
                self._forgotten.set(tracker, True)
                logger.info("A conversation was deleted while in progress; not stored again")
                return
            # Rasa counts the stored events of the latest session; a tracker this store has read
            # or written knows exactly, which keeps a second save in the same turn from storing
            # an event twice.
            start = stored if known is None else known
            for event in itertools.islice(tracker.events, start, len(tracker.events)):
                data = event.as_dict()
                session.add(self.SQLEvent(
                    sender_id=tracker.sender_id,
                    type_name=event.type_name,
                    timestamp=data.get("timestamp"),
                    intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    action_name=data.get("name"),
                    data=json.dumps(data),
                ))
            session.commit()  # all of this turn's events, or none
        self._stored.set(tracker, len(tracker.events))

    def _forget(self, tracker: DialogueStateTracker) -> None:
        """Delete everything stored about this conversation; never store this tracker again."""
        first_time = not self._forgotten.get(tracker)
        self._forgotten.set(tracker, True)
        with self.engine.begin() as connection:
            counts = database.delete_runner_rows(connection, tracker.sender_id)
        if first_time:
            logger.info("A conversation ended without storage consent and was deleted (%s)",
                        ", ".join(f"{count} {kind}" for kind, count in counts.items()))


class ClinicLockStore(LockStore):
    """Ticket locks per conversation: in this process, or in Redis when REDIS_URL is set.

    With Redis, issuing and returning tickets are atomic across servers (a short Redis mutex
    around Rasa's read-modify-write of the lock), and every lock key expires on its own, so
    a crashed server leaves nothing behind.
    """

    KEY_PREFIX = "screener:lock:"

    def __init__(self, endpoint_config=None) -> None:
        _install_server_wrappers()
        super().__init__()
        url = os.environ.get(REDIS_URL_VARIABLE) or (endpoint_config.url if endpoint_config else None)
        self.redis = None
        self._locks: Dict[Text, TicketLock] = {}
        if url:
            import redis

            self.redis = redis.Redis.from_url(url, socket_timeout=10, socket_connect_timeout=5)
            self._wait_for_redis(url)
            logger.info("Conversation locks are kept in Redis at %s", database.display_url(url))

    def _wait_for_redis(self, url: str) -> None:
        import redis

        deadline = time.monotonic() + _connect_timeout()
        while True:
            try:
                self.redis.ping()
                return
            except redis.RedisError as error:
                if time.monotonic() >= deadline:
                    raise ConnectionException(
                        f"The lock store's Redis {database.display_url(url)} cannot be reached: {error}") from error
                logger.warning("Waiting for Redis at %s ...", database.display_url(url))
                time.sleep(2)

    # ------------------------------------------------------------------ storage
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        if self.redis is None:
            return self._locks.get(conversation_id)
        serialised = self.redis.get(self.KEY_PREFIX + conversation_id)
        return TicketLock.from_dict(json.loads(serialised)) if serialised else None

    def delete_lock(self, conversation_id: Text) -> None:
        if self.redis is None:
            self._locks.pop(conversation_id, None)
        else:
            self.redis.delete(self.KEY_PREFIX + conversation_id)

    def save_lock(self, lock: TicketLock) -> None:
        if self.redis is None:
            self._locks[lock.conversation_id] = lock
        else:
            self.redis.set(self.KEY_PREFIX + lock.conversation_id, lock.dumps(),
                           ex=int(LOCK_LIFETIME) + 60)

    # ------------------------------------------------------------------ atomic updates
    @contextlib.contextmanager
    def _mutex(self, conversation_id: Text) -> Iterator[None]:
        if self.redis is None:
            yield
            return
        with self.redis.lock(f"{self.KEY_PREFIX}mutex:{conversation_id}", timeout=10, blocking_timeout=10):
            yield

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            lock = self.get_lock(conversation_id)
            if lock is None:
                return
            lock.remove_ticket_for(ticket_number)
            if lock.is_someone_waiting():
                self.save_lock(lock)
            else:
                self.delete_lock(conversation_id)
