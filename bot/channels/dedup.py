"""Each Slack event and Messenger message handled once, whichever Rasa server receives it.

Slack retries an event it has no answer for within 3 s (with X-Slack-Retry-Num), and Meta
redelivers a message after 20 s; behind the load balancer the copy may reach another Rasa
server, or the same one after a restart. Runners click a button twice too. A repeated
greeting is harmless, a repeated click is not: a second "None of these" answers the next
red-flag group. So the Slack and Messenger channels use one `Deliveries` each to:

* acknowledge a webhook at once and handle it in a background task (`start`), whose failure
  is logged with its type and place but never its message, which may quote the runner;
* remember every Slack event id and Messenger message id for an hour in Redis (SET NX EX: the
  first server to set the key handles it) and drop any later copy. Redis is the lock
  store's (bot/stores.py: REDIS_URL), so every server sees the same ids; with no Redis
  configured (one server), this server's memory;
* handle one conversation's messages one at a time: in arrival order in this server, and
  under a short Redis lock across servers, so a click is checked against the conversation
  as the previous message left it, not half-way through;
* tag each button with the bot message it came with (the message's timestamp, which is its
  event's in the tracker), and pass a click on only while that message's question (the
  form's requested slot) is still the one asked. A click on an older question is answered
  with `utter_question_moved_on` and changes nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
from collections import OrderedDict
from pathlib import Path
from typing import (TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, Dict, Iterable, List, Optional, Set,
                    Tuple)

from bot.channels.config import DOMAIN, response_text

if TYPE_CHECKING:  # the server's Sanic app, and Redis only when the lock store has it
    import redis
    from sanic import Sanic

logger = logging.getLogger(__name__)

SEEN_SECONDS = 3600  # how long an event or message id is remembered
TURN_SECONDS = 120  # the longest one message's turn holds its conversation
KEY_PREFIX = "screener:"
TAG_PREFIX = "q:"
REQUESTED_SLOT = "requested_slot"
MOVED_ON = "utter_question_moved_on"
_POLL_SECONDS = 0.05
_REMEMBERED_HERE = 10000


def moved_on_reply(domain_path: Path = DOMAIN) -> str:
    """The text of the domain's `utter_question_moved_on` (its first variant)."""
    return response_text(MOVED_ON, domain_path)


# ---------------------------------------------------------------------------------- button tags
def question_tag(timestamp: Any) -> Optional[str]:
    """The tag of a bot message: its timestamp, exactly as its event keeps it."""
    try:
        return repr(float(timestamp))
    except (TypeError, ValueError):
        return None


def tag_buttons(buttons: Optional[List[Dict[str, Any]]], timestamp: Any) -> List[Dict[str, Any]]:
    """The buttons with their payloads tagged with the bot message (a link button is left as it is)."""
    tag = question_tag(timestamp)
    if tag is None:
        return list(buttons or [])
    return [{**button, "payload": f"{TAG_PREFIX}{tag}|{button['payload']}"}
            if button.get("payload") is not None and not button.get("url") else button
            for button in buttons or []]


def untag(value: Optional[str]) -> Tuple[Optional[str], Optional[str]]:
    """(tag, payload) of a clicked button's payload; (None, value) for an untagged one.

    A red-flag button ("Chest pain/fainting") is never stale: a red flag counts wherever and
    whenever it is said, so its click goes on untagged even after its question has moved on."""
    if isinstance(value, str) and value.startswith(TAG_PREFIX):
        tag, separator, payload = value[len(TAG_PREFIX):].partition("|")
        if separator and tag:
            return (None if _RED_FLAG_PAYLOAD.search(payload) else tag), payload
    return None, value


_RED_FLAG_PAYLOAD = re.compile(r'"red_flag"\s*:')


def question_moved_on(events: Iterable[Dict[str, Any]], tag: str) -> bool:
    """True when the bot message `tag` names no longer asks the open question.

    A message's question is the requested slot as its turn ended (at the runner's next
    message): re-asking the same question keeps older buttons of it valid. Outside a form
    (no requested slot) only the latest message with buttons is open. A message the tracker
    does not hold (another session, a restart, a deleted conversation) has moved on.
    """
    asked: List[Tuple[Optional[str], Optional[str]]] = []
    this_turn: List[Optional[str]] = []
    requested = None
    for event in events:
        kind = event.get("event")
        if kind == "slot" and event.get("name") == REQUESTED_SLOT:
            requested = event.get("value")
        elif kind in ("restart", "reset_slots"):
            requested = None
        elif kind == "bot" and any((event.get("data") or {}).get(key) for key in ("buttons", "quick_replies")):
            this_turn.append(question_tag(event.get("timestamp")))
        elif kind == "user":
            asked += [(stamp, requested) for stamp in this_turn]
            this_turn = []
    asked += [(stamp, requested) for stamp in this_turn]
    questions = [question for stamp, question in asked if stamp == tag]
    if not questions or questions[-1] != requested:
        return True
    return requested is None and asked[-1][0] != tag


# ---------------------------------------------------------------------------------- failures
def log_failure(channel: str, error: BaseException) -> None:
    """An error's type and where it was raised; never its message, which may quote the runner."""
    frames = "".join(traceback.format_tb(error.__traceback__)).rstrip()
    logger.error("%s: a message could not be handled: %s\n%s", channel, type(error).__name__, frames)


def _lock_store_redis(app: Optional["Sanic"]) -> Optional["redis.Redis"]:
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    return getattr(getattr(agent, "lock_store", None), "redis", None)


class Deliveries:
    """What one channel of this server knows about deliveries and conversations (see above)."""

    def __init__(self, channel: str, seen_seconds: float = SEEN_SECONDS, turn_seconds: float = TURN_SECONDS) -> None:
        self.channel = channel
        self.seen_seconds = seen_seconds
        self.turn_seconds = turn_seconds
        self._seen_here: "OrderedDict[str, float]" = OrderedDict()
        self._queues: Dict[str, Tuple[asyncio.Lock, int]] = {}
        self._tasks: Set[asyncio.Task] = set()

    # ------------------------------------------------------------------ background work
    def start(self, job: Awaitable[None]) -> None:
        """Run `job` after the webhook has answered; the task is kept until it is done."""
        task = asyncio.create_task(self._logged(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, job: Awaitable[None]) -> None:
        try:
            await job
        except Exception as error:  # noqa: BLE001 - the webhook has answered; only the log is left
            log_failure(self.channel, error)

    async def handle(self, app: Optional["Sanic"], conversation_id: str, delivery_id: Optional[str],
                     tag: Optional[str], pass_on: Callable[[], Awaitable[Any]],
                     say_moved_on: Callable[[], Awaitable[Any]]) -> None:
        """Pass one message on to Rasa, unless it was delivered before or clicks a button of
        a question that has moved on (then `say_moved_on`)."""
        async with self._in_arrival_order(conversation_id):
            if delivery_id and not await self.first_time(app, delivery_id):
                logger.info("%s: a message delivered again was dropped", self.channel)
                return
            async with self._across_servers(app, conversation_id):
                if tag and await self.moved_on(app, conversation_id, tag):
                    logger.info("%s: a click on a question that has moved on was not passed on", self.channel)
                    await say_moved_on()
                    return
                await pass_on()

    # ------------------------------------------------------------------ delivered before?
    async def first_time(self, app: Optional["Sanic"], delivery_id: str) -> bool:
        """True for the first delivery of this id on any server (within `seen_seconds`)."""
        client = _lock_store_redis(app)
        if client is not None:
            import redis

            try:
                return bool(await asyncio.to_thread(
                    client.set, f"{KEY_PREFIX}seen:{delivery_id}", 1, nx=True, ex=int(self.seen_seconds)))
            except redis.RedisError as error:
                logger.warning("%s: Redis did not answer (%s); repeats are caught on this server only",
                               self.channel, type(error).__name__)
        return self._first_time_here(delivery_id)

    def _first_time_here(self, delivery_id: str) -> bool:
        now = time.monotonic()
        while self._seen_here and (next(iter(self._seen_here.values())) < now
                                   or len(self._seen_here) >= _REMEMBERED_HERE):
            self._seen_here.popitem(last=False)
        if delivery_id in self._seen_here:
            return False
        self._seen_here[delivery_id] = now + self.seen_seconds
        return True

    # ------------------------------------------------------------------ one at a time
    @contextlib.asynccontextmanager
    async def _in_arrival_order(self, conversation_id: str) -> AsyncIterator[None]:
        # asyncio.Lock serves its waiters first come, first served, and the background tasks
        # reach it in the order the webhooks arrived (nothing is awaited before it).
        lock, users = self._queues.get(conversation_id) or (asyncio.Lock(), 0)
        self._queues[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._queues[conversation_id]
            if users > 1:
                self._queues[conversation_id] = (lock, users - 1)
            else:
                del self._queues[conversation_id]

    @contextlib.asynccontextmanager
    async def _across_servers(self, app: Optional["Sanic"], conversation_id: str) -> AsyncIterator[None]:
        client = _lock_store_redis(app)
        if client is None:
            yield
            return
        import redis

        # Not thread-local: it is taken and given back from worker threads, so the event loop never waits on Redis.
        lock = client.lock(f"{KEY_PREFIX}turn:{conversation_id}", timeout=self.turn_seconds, thread_local=False)
        deadline = time.monotonic() + self.turn_seconds
        held = False
        try:
            while not held and time.monotonic() < deadline:
                held = await asyncio.to_thread(lock.acquire, blocking=False)
                if not held:
                    await asyncio.sleep(_POLL_SECONDS)
        except redis.RedisError as error:
            logger.warning("%s: Redis did not answer (%s); the message goes on without waiting",
                           self.channel, type(error).__name__)
        if not held:
            logger.warning("%s: the conversation's previous message still holds it; going on", self.channel)
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(redis.RedisError):  # LockError too: it expired during a very long turn
                    await asyncio.to_thread(lock.release)

    # ------------------------------------------------------------------ stale clicks
    async def moved_on(self, app: Optional["Sanic"], conversation_id: str, tag: str) -> bool:
        """True when the clicked button's question is no longer the one the conversation asks."""
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return False
        try:
            tracker = await store.retrieve(conversation_id)
        except Exception as error:  # noqa: BLE001 - Rasa will meet the same failure and say so
            logger.warning("%s: could not read the conversation to check a click (%s)",
                           self.channel, type(error).__name__)
            return False
        # All the events: applied_events() leaves out the runner's turns inside a form.
        events = [] if tracker is None else [event.as_dict() for event in tracker.events]
        return question_moved_on(events, tag)
