"""Start the real action server and Rasa server on loopback for end-to-end tests."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = ROOT / ".venv" / "bin"
sys.path.insert(0, str(ROOT))
from scripts.train import model_path  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: Any = None, timeout: float = 30) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 240) -> None:
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


class BotServers:
    """An action server and a Rasa server (REST channel, token-protected HTTP API)."""

    def __init__(self, workdir: Path, credentials: Optional[str] = None, env: Optional[Dict[str, str]] = None,
                 model: Optional[Path] = None):
        self.workdir = workdir
        self.model = model or model_path()
        if not self.model.exists():
            raise RuntimeError(f"no trained model at {self.model}: run scripts/train.py first")
        self.actions_port = free_port()
        self.rasa_port = free_port()
        self.token = "e2e-test-token"
        self.credentials = credentials or "rest:\n"
        self.env = {**os.environ, **(env or {})}
        self.processes: List[subprocess.Popen] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_actions(self) -> None:
        log = self.workdir / "actions.log"
        process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "actions", "--port", str(self.actions_port)],
            cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=self.env)
        self.actions_process = process
        self.processes.append(process)
        wait_until_up(f"http://127.0.0.1:{self.actions_port}/health", process, log)

    def stop_actions(self) -> None:
        self.actions_process.terminate()
        self.actions_process.wait(timeout=30)

    def start(self) -> "BotServers":
        self.start_actions()
        endpoints = self.workdir / "endpoints.yml"
        endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n')
        credentials = self.workdir / "credentials.yml"
        credentials.write_text(self.credentials)
        log = self.workdir / "rasa.log"
        process = subprocess.Popen(
            [str(VENV_BIN / "rasa"), "run", "--model", str(self.model), "--port", str(self.rasa_port),
             "--interface", "127.0.0.1", "--enable-api", "--auth-token", self.token,
             "--endpoints", str(endpoints), "--credentials", str(credentials)],
            cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT, env=self.env)
        self.processes.append(process)
        wait_until_up(f"{self.url}/", process, log)
        return self

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    # ------------------------------------------------------------------ conversation helpers
    def say(self, sender: str, message: str) -> List[Dict[str, Any]]:
        return http("POST", f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message})

    def tracker(self, sender: str) -> Dict[str, Any]:
        return http("GET", f"{self.url}/conversations/{sender}/tracker?token={self.token}")

    def slots(self, sender: str) -> Dict[str, Any]:
        return self.tracker(sender)["slots"]
