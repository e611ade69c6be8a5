"""A loopback stand-in for the Slack Web API and the Messenger Send API.

The connectors post their replies here (SLACK_API_BASE, MESSENGER_GRAPH_URL) instead of to
the platforms, so the tests can read them and no traffic leaves the machine. Slack's
`response_url` of a button click points here too (SLACK_RESPONSE_PATH), and `delay` makes
every answer slow, as a platform's API can be.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List
from urllib.parse import parse_qs, urlsplit

SLACK_RESPONSE_PATH = "/slack/response/"


class FakePlatforms:
    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.delay = 0.0  # seconds before each answer
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                parts = urlsplit(self.path)
                content_type = self.headers.get("Content-Type") or ""
                if "json" in content_type:
                    body = json.loads(raw or b"{}")
                else:
                    body = {key: values[0] for key, values in parse_qs(raw.decode()).items()}
                    for key in ("blocks", "attachments"):
                        if isinstance(body.get(key), str):
                            body[key] = json.loads(body[key])
                record = {"path": parts.path, "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                          "headers": dict(self.headers), "body": body}
                with fake._lock:
                    fake.requests.append(record)
                time.sleep(fake.delay)
                if parts.path.endswith("/chat.postMessage"):
                    answer = {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}", "message": {}}
                elif parts.path.startswith("/slack/api/"):
                    answer = {"ok": True, "message_ts": f"{time.time():.6f}"}  # chat.postEphemeral
                else:
                    answer = {"recipient_id": (body.get("recipient") or {}).get("id"), "message_id": "m_fake"}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def slack_api_base(self) -> str:
        return f"{self.url}/slack/api/"

    @property
    def messenger_graph_url(self) -> str:
        return f"{self.url}/graph/v21.0"

    def start(self) -> "FakePlatforms":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def snapshot(self) -> List[Dict[str, Any]]:
        with self._lock:
            return list(self.requests)

    def slack_posts(self, channel: str = None) -> List[Dict[str, Any]]:
        return [r for r in self.snapshot() if r["path"].endswith("/chat.postMessage")
                and (channel is None or r["body"].get("channel") == channel)]

    def slack_ephemerals(self, channel: str = None) -> List[Dict[str, Any]]:
        """chat.postEphemeral requests (messages only `user` sees in `channel`)."""
        return [r for r in self.snapshot() if r["path"].endswith("/chat.postEphemeral")
                and (channel is None or r["body"].get("channel") == channel)]

    def slack_response_url(self, name: str) -> str:
        return f"{self.url}{SLACK_RESPONSE_PATH}{name}"

    def slack_replacements(self, name: str) -> List[Dict[str, Any]]:
        """What was posted to the response_url `slack_response_url(name)` (the bodies)."""
        return [r["body"] for r in self.snapshot() if r["path"] == f"{SLACK_RESPONSE_PATH}{name}"]

    def messenger_messages(self, recipient: str = None) -> List[Dict[str, Any]]:
        return [r for r in self.snapshot() if r["path"].endswith("/me/messages") and "message" in r["body"]
                and (recipient is None or r["body"]["recipient"]["id"] == recipient)]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30, settle: float = 1.0) -> Any:
        """Wait until condition() is truthy, then a little longer for the rest of the reply."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if condition():
                time.sleep(settle)
                return condition()
            time.sleep(0.2)
        return condition()
