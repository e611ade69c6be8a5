"""Start the real action server and Rasa server(s) on loopback for end-to-end tests.

    BotServers(workdir).start()                  an action server and a Rasa server with the
                                                 stores of endpoints.yml (bot/stores.py) on a
                                                 new SQLite file, WORKDIR/screener.db
    BotServers(workdir, env={"DATABASE_URL": ..., "REDIS_URL": ...})
                                                 PostgreSQL / Redis instead (only `env` counts:
                                                 the caller's own DATABASE_URL is never used)
    BotServers(workdir, stores=False)            Rasa's in-memory tracker and lock stores
    BotServers(..., rasa_servers=2, nginx=True)  two Rasa servers behind nginx (deploy/nginx)
    BotServers(..., nice=10)                     at a lower CPU priority (a batch check's servers,
                                                 tests/background.py)

The model is the one scripts/train.py prints (SCREENER_MODEL overrides it). Each server
logs to WORKDIR/actions.log, rasa.log, rasa-1.log, ...; restarts append to the same log.

The conversation helpers (say, tracker, slots, append_events, replace_events) take a REST
sender as the client sends it; its conversation is stored as `rest:<sender>`
(bot/channels/identity.py). conversation_tracker reads any conversation by its stored id.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import quote

import yaml

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
from bot.channels.identity import rest_sender  # noqa: E402
from tests.background import niced  # noqa: E402
from scripts.train import model_path  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trained_model() -> Path:
    """SCREENER_MODEL, else the model scripts/train.py prints."""
    return Path(os.environ.get("SCREENER_MODEL") or model_path())


def rest_headers(env: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """The REST channel's bearer token when the servers have one (REST_CHANNEL_TOKEN,
    bot/channels/rest.py); without it they take REST requests from loopback, as here."""
    token = (os.environ if env is None else env).get("REST_CHANNEL_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}


def conversation_url(base: str, conversation_id: str) -> str:
    """Rasa's `/conversations/<id>` for a conversation id as it is stored, with its channel's
    prefix (bot/channels/identity.py: `rest:<sender>`, `web:<session>`, `slack:<team>:<user>`,
    `fb:<psid>`). Rasa takes the id from the path as it is, without decoding %XX, so the ":"
    of the prefix must stay as it is (quote()'s default would make it another conversation)."""
    return f"{base}/conversations/{quote(conversation_id, safe=':')}"


def http(method: str, url: str, body: Any = None, timeout: float = 30, headers: Optional[Dict[str, str]] = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


# Several servers start side by side with the tests on two cores (tests/background.py).
START_TIMEOUT = 600


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited early; log {log}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.5)
    raise RuntimeError(f"server at {url} not up after {timeout}s; log {log}:\n{log.read_text()[-3000:]}")


def peak_memory_kb(pid: int) -> Optional[int]:
    """A process's peak resident memory (VmHWM), in kB; None once it has gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class BotServers:
    """An action server and one or more Rasa servers (REST channel, token-protected HTTP API)."""

    def __init__(self, workdir: Path, credentials: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 model: Optional[Path] = None, stores: bool = True, rasa_servers: int = 1,
                 nginx: bool = False, nice: int = 0):
        self.workdir = workdir
        self.nice = nice
        self.model = Path(model) if model else trained_model()
        if not self.model.exists():
            raise RuntimeError(f"no trained model at {self.model}: run scripts/train.py first")
        self.actions_port = free_port()
        self.rasa_ports = [free_port() for _ in range(rasa_servers)]
        self.rasa_port = self.rasa_ports[0]
        self.token = "e2e-test-token"
        self.credentials = credentials or "bot.channels.rest.ClinicRestInput:\n"
        self.env = {"PYTHONUNBUFFERED": "1", **os.environ}
        self.env.pop("REDIS_URL", None)
        self.env["DATABASE_URL"] = f"sqlite:///{workdir / 'screener.db'}"
        self.env.update(env or {})
        self.stores = stores
        self.use_nginx = nginx
        self.nginx = None
        self.processes: List[subprocess.Popen] = []
        self.actions_process: Optional[subprocess.Popen] = None
        self.rasa_processes: Dict[int, subprocess.Popen] = {}

    @property
    def database_url(self) -> str:
        return self.env["DATABASE_URL"]

    @property
    def url(self) -> str:
        """The first Rasa server (or nginx in front of them all, when there is one)."""
        return self.nginx.url if self.nginx else self.rasa_url(0)

    def rasa_url(self, index: int = 0) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    def rasa_log(self, index: int = 0) -> Path:
        return self.workdir / ("rasa.log" if index == 0 else f"rasa-{index}.log")

    # ------------------------------------------------------------------ action server
    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        process = subprocess.Popen(
            niced([str(VENV_BIN / "python"), "-m", "actions.serve", "--port", str(self.actions_port)], self.nice),
            cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT, env=self.env)
        self.actions_process = process
        self.processes.append(process)
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", process, log)

    def stop_actions(self) -> None:
        self.actions_process.terminate()
        self.actions_process.wait(timeout=30)

    def kill_actions(self) -> None:
        """SIGKILL: the action server disappears mid-conversation."""
        self.actions_process.send_signal(signal.SIGKILL)
        self.actions_process.wait(timeout=30)

    # ------------------------------------------------------------------ Rasa servers
    def write_endpoints(self) -> Path:
        endpoints: Dict[str, Any] = {"action_endpoint": {"url": f"http://127.0.0.1:{self.actions_port}/webhook"}}
        if self.stores:
            configured = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
            endpoints.update({key: configured[key] for key in ("tracker_store", "lock_store") if key in configured})
        path = self.workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
        return path

    def spawn_rasa(self, index: int = 0) -> subprocess.Popen:
        endpoints = self.write_endpoints()
        credentials = self.workdir / "credentials.yml"
        credentials.write_text(self.credentials)
        log = self.rasa_log(index)
        process = subprocess.Popen(
            niced([str(VENV_BIN / "python"), "-m", "bot.launch", "run", "--model", str(self.model),
             "--port", str(self.rasa_ports[index]),
             "--interface", "127.0.0.1", "--enable-api", "--auth-token", self.token,
             "--endpoints", str(endpoints), "--credentials", str(credentials)], self.nice),
            cwd=ROOT, stdout=log.open("a"), stderr=subprocess.STDOUT, env=self.env)
        self.rasa_processes[index] = process
        self.processes.append(process)
        return process

    def wait_for_rasa(self, index: int = 0) -> None:
        wait_until_up(f"{self.rasa_url(index)}/", self.rasa_processes[index], self.rasa_log(index))

    def start_rasa(self, index: int = 0) -> None:
        self.spawn_rasa(index)
        self.wait_for_rasa(index)

    def stop_rasa(self, index: int = 0) -> None:
        process = self.rasa_processes[index]
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def start(self) -> "BotServers":
        try:
            self.start_actions()
            for index in range(len(self.rasa_ports)):  # load the models side by side
                self.spawn_rasa(index)
            for index in range(len(self.rasa_ports)):
                self.wait_for_rasa(index)
            if self.use_nginx:
                from deploy.nginx import Nginx

                self.nginx = Nginx([f"127.0.0.1:{port}" for port in self.rasa_ports], f"127.0.0.1:{free_port()}")
                self.nginx.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.nginx:
            self.nginx.stop()
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def peak_memory(self) -> Dict[str, Optional[int]]:
        """Peak resident memory (kB) of every running server process, by name."""
        memory: Dict[str, Optional[int]] = {}
        if self.actions_process:
            memory["action server"] = peak_memory_kb(self.actions_process.pid)
        for index, process in sorted(self.rasa_processes.items()):
            memory[f"Rasa server {index + 1}"] = peak_memory_kb(process.pid)
        if self.nginx:
            for number, pid in enumerate(self.nginx.pids()):
                memory["nginx master" if number == 0 else f"nginx worker {number}"] = peak_memory_kb(pid)
        return memory

    # ------------------------------------------------------------------ conversation helpers
    def say(self, sender: str, message: str, via: Optional[str] = None) -> List[Dict[str, Any]]:
        return http("POST", f"{via or self.url}/webhooks/rest/webhook", {"sender": sender, "message": message},
                    headers=rest_headers(self.env))

    def tracker(self, sender: str, via: Optional[str] = None) -> Dict[str, Any]:
        """The tracker of the REST sender `sender` (the conversation `rest:<sender>`)."""
        return self.conversation_tracker(rest_sender(sender), via=via)

    def conversation_tracker(self, conversation_id: str, via: Optional[str] = None) -> Dict[str, Any]:
        """The tracker of any conversation by its stored id, e.g. slack_sender(team, user)."""
        return http("GET", f"{conversation_url(via or self.url, conversation_id)}/tracker?token={self.token}")

    def slots(self, sender: str) -> Dict[str, Any]:
        """The slots of the REST sender `sender`."""
        return self.tracker(sender)["slots"]

    def append_events(self, sender: str, events: List[Dict[str, Any]], via: Optional[str] = None) -> Dict[str, Any]:
        """Rasa's POST /conversations/<id>/tracker/events for the REST sender `sender`."""
        return http("POST", f"{conversation_url(via or self.url, rest_sender(sender))}/tracker/events"
                            f"?token={self.token}", events)

    def replace_events(self, sender: str, events: List[Dict[str, Any]], via: Optional[str] = None) -> Dict[str, Any]:
        """Rasa's PUT /conversations/<id>/tracker/events for the REST sender `sender`: the
        conversation becomes these events."""
        return http("PUT", f"{conversation_url(via or self.url, rest_sender(sender))}/tracker/events"
                           f"?token={self.token}", events)
