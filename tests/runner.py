"""One runner's conversation with the bot over REST, for the end-to-end and persistence tests."""

from __future__ import annotations

import itertools
from typing import Dict, List, Optional

from bot.channels.identity import rest_sender
from tests.servers import BotServers

_ids = itertools.count()


class Runner:
    """One runner's conversation; remembers what was sent and read, for checks and failures."""

    def __init__(self, bot: BotServers, name: str):
        self.bot = bot
        self.sender = f"{name}-{next(_ids)}"
        self.sent: List[str] = []
        self.transcript: List[str] = []
        self.last: List[Dict] = []

    @property
    def conversation_id(self) -> str:
        """The conversation as it is stored (tracker store, the clinic's records, locks,
        `scripts/clinic.sh forget`): `rest:<sender>`."""
        return rest_sender(self.sender)

    def say(self, message: str, via: Optional[str] = None) -> str:
        self.last = self.bot.say(self.sender, message, via=via)
        self.sent.append(message)
        self.transcript.append(f"> {message[:80]}" + (f"   (via {via})" if via else ""))
        self.transcript += [f"  {m.get('text', '')[:160]}" for m in self.last]
        return self.text

    def tap(self, title: str, via: Optional[str] = None) -> str:
        buttons = {b["title"]: b["payload"] for m in self.last for b in m.get("buttons", [])}
        assert title in buttons, f"no button {title!r} in {list(buttons)}\n{self.log}"
        return self.say(buttons[title], via=via)

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    @property
    def log(self) -> str:
        return "\n".join(self.transcript)

    def expect(self, *fragments: str) -> None:
        for fragment in fragments:
            assert fragment.lower() in self.text.lower(), f"expected {fragment!r}\n{self.log}"

    def tracker(self, via: Optional[str] = None) -> Dict:
        return self.bot.tracker(self.sender, via=via)

    def user_messages(self, via: Optional[str] = None) -> List[str]:
        return [e["text"] for e in self.tracker(via)["events"] if e["event"] == "user"]

    def slots(self, via: Optional[str] = None) -> Dict:
        return self.tracker(via)["slots"]
