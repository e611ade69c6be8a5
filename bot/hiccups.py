"""What the runner reads when a service behind the Rasa server fails: "try again in a moment".

Rasa 3.6 answers nothing useful then: when the action server cannot be reached it logs the
error, drops the action's events and lets the policies guess on (the runner usually gets no
reply, or a wrong one); when the tracker store or the lock store fails, the channel logs the
error and the runner gets no reply at all. `install()` (called by bot/stores.py, which every
Rasa server loads through endpoints.yml) wraps three Rasa 3.6 methods so that instead:

* a custom action that fails (action server down, timing out or answering an error; not a
  form's deliberate rejection) makes the bot say `utter_try_again_shortly` and listen. The
  failed action's events are dropped as Rasa drops them, so nothing of the half-done step is
  kept: the runner answers again once the action server is back and the screen goes on
  from the same question;
* a message that cannot be handled at all (database or Redis down) gets the same reply,
  and nothing of that turn is stored (the tracker is saved in one transaction at the end).
  For that, the clinic's tracker store is not wrapped in Rasa's FailSafeTrackerStore, which
  would otherwise answer a database failure by starting the conversation afresh and keeping
  it in the memory of one server - a silent fork of the conversation, and a lost screen.

The wrappers are small and only add behaviour around Rasa's own methods; tests/persistence
checks them against the pinned Rasa version.
"""

from __future__ import annotations

import contextvars
import functools
import logging
from typing import Any, Dict, List, Optional, Text

logger = logging.getLogger(__name__)

RESPONSE = "utter_try_again_shortly"
# Used only when the domain has no utter_try_again_shortly.
FALLBACK_TEXT = "Sorry, I'm having a technical hiccup. Please try again in a moment."

# The custom actions that failed during the action now running (one list per _run_action).
_failed_actions: contextvars.ContextVar[Optional[List[Text]]] = contextvars.ContextVar(
    "screener_failed_actions", default=None)
_installed = False


async def _try_again_message(nlg: Any, tracker: Any, channel_name: Text) -> Dict[Text, Any]:
    message = None
    if nlg is not None and tracker is not None:
        try:
            message = await nlg.generate(RESPONSE, tracker, channel_name)
        except Exception:  # noqa: BLE001 - a broken response must not hide the hiccup
            logger.exception("Could not render %s", RESPONSE)
    message = dict(message or {"text": FALLBACK_TEXT})
    message["utter_action"] = RESPONSE
    return message


def install() -> None:
    """Wrap RemoteAction.run, MessageProcessor._run_action, Agent.handle_message and
    Agent._create_tracker_store (Rasa 3.6)."""
    global _installed
    if _installed:
        return
    from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
    from rasa.core.agent import Agent
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.constants import ACTION_LISTEN_NAME
    from rasa.shared.core.trackers import DialogueStateTracker

    original_remote_run = RemoteAction.run
    original_run_action = MessageProcessor._run_action
    original_handle_message = Agent.handle_message
    original_create_tracker_store = Agent._create_tracker_store

    @functools.wraps(original_remote_run)
    async def remote_run(self, output_channel, nlg, tracker, domain):
        try:
            return await original_remote_run(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise  # a form rejecting the message: normal conversation flow
        except Exception:
            failed = _failed_actions.get()
            if failed is not None:
                failed.append(self.name())
            raise

    @functools.wraps(original_run_action)
    async def run_action(self, action, tracker, output_channel, nlg, prediction):
        failed: List[Text] = []
        token = _failed_actions.set(failed)
        try:
            should_predict_another = await original_run_action(self, action, tracker, output_channel, nlg,
                                                               prediction)
        finally:
            _failed_actions.reset(token)
        if not failed:
            return should_predict_another
        # Rasa has logged the error and dropped the action's events. Say so, then listen.
        logger.warning("The action server could not run %s; the runner was asked to try again in a moment",
                       ", ".join(dict.fromkeys(failed)))
        message = await _try_again_message(nlg, tracker, output_channel.name())
        uttered = create_bot_utterance(dict(message))
        tracker.update(uttered, self.domain)
        await output_channel.send_response(tracker.sender_id, uttered.message())
        tracker.trigger_followup_action(ACTION_LISTEN_NAME)
        return True

    @functools.wraps(original_handle_message)
    async def handle_message(self, message):
        try:
            return await original_handle_message(self, message)
        except Exception:
            logger.exception("Could not handle a message; the runner was asked to try again in a moment "
                             "and nothing of this turn was stored")
            channel = message.output_channel
            if isinstance(channel, CollectingOutputChannel):
                channel.messages.clear()  # the turn did not happen: don't show half of it
            try:
                domain = self.domain
                tracker = DialogueStateTracker(message.sender_id, domain.slots if domain else [])
                nlg = getattr(self.processor, "nlg", None)
                reply = await _try_again_message(nlg, tracker, channel.name())
                reply.pop("utter_action", None)
                await channel.send_response(message.sender_id, reply)
            except Exception:  # noqa: BLE001
                logger.exception("Could not send the try-again reply")
            if isinstance(channel, CollectingOutputChannel):
                return channel.messages
            return None

    def create_tracker_store(store, domain):
        if getattr(store, "failures_reach_the_runner", False):
            store.domain = domain
            return store  # no FailSafeTrackerStore around it: a failure is reported, not hidden
        return original_create_tracker_store(store, domain)

    RemoteAction.run = remote_run
    MessageProcessor._run_action = run_action
    Agent.handle_message = handle_message
    Agent._create_tracker_store = staticmethod(create_tracker_store)
    _installed = True
