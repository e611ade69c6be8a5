"""Start the action server, the Rasa server (all channels) and the demo page together.

    python -m bot.channels.stack --model MODEL [--rasa-port 5005] [--actions-port 5055]
                                 [--web-port 8080] [--host 127.0.0.1]

scripts/serve.sh runs this after setting up and training; the channel tests use `Stack` on
free loopback ports. The Rasa server gets:
  * the credentials from bot/channels/config.py (socket.io + REST, and Slack/Messenger when
    their environment variables are set),
  * --cors with the origins in clinic/clinic.yml,
  * the HTTP API only when RASA_API_TOKEN is set, and then protected by it.
Both servers log through deploy/logging.yml, which masks runners' words and contact details
(bot/launch.py and actions/serve.py add it), to WORKDIR/rasa.log and actions.log.
The page's widget talks to the Rasa server at SCREENER_PUBLIC_URL when set (its address as
browsers reach it, e.g. behind a reverse proxy), else at the local address.
Ctrl-C (or SIGTERM) stops all three; so does any one of them exiting.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Mapping, Optional

import yaml

from bot.channels.config import ROOT, allowed_origins, load_clinic, rasa_server_args, write_credentials

VENV_BIN = Path(sys.executable).parent


class StackError(RuntimeError):
    pass


class Stack:
    def __init__(self, model: Path, workdir: Optional[Path] = None, host: str = "127.0.0.1",
                 rasa_port: int = 5005, actions_port: int = 5055, web_port: Optional[int] = 8080,
                 env: Optional[Mapping[str, str]] = None) -> None:
        self.model = Path(model)
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="screener-stack-"))
        self.host = host
        self.rasa_port = rasa_port
        self.actions_port = actions_port
        self.web_port = web_port
        self.env: Dict[str, str] = {**os.environ, **(env or {})}
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.processes: Dict[str, subprocess.Popen] = {}
        self.channels: List[str] = []

    # ------------------------------------------------------------------ addresses
    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    # ------------------------------------------------------------------ start and stop
    def _spawn(self, name: str, command: List[str]) -> subprocess.Popen:
        log = self.log(name).open("w")
        process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        self.processes[name] = process
        return process

    def _wait(self, name: str, url: str, timeout: float) -> None:
        process = self.processes[name]
        deadline = time.time() + timeout
        while time.time() < deadline:
            if process.poll() is not None:
                raise StackError(f"the {name} server exited; the end of {self.log(name)}:\n"
                                 f"{self.log(name).read_text(errors='replace')[-3000:]}")
            try:
                urllib.request.urlopen(url, timeout=2).close()
                return
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.5)
        raise StackError(f"the {name} server did not answer at {url} within {timeout:.0f} s; see {self.log(name)}")

    def _write_endpoints(self) -> Path:
        endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text(encoding="utf-8")) or {}
        endpoints["action_endpoint"] = {"url": f"http://127.0.0.1:{self.actions_port}/webhook"}
        path = self.workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
        return path

    def start(self, timeout: float = 300) -> "Stack":
        if not self.model.exists():
            raise StackError(f"no trained model at {self.model}: run scripts/train.py first")
        self.workdir.mkdir(parents=True, exist_ok=True)
        credentials = self.workdir / "credentials.yml"
        self.channels = write_credentials(credentials, self.env)
        clinic_file = self.env.get("CLINIC_CONFIG")
        origins = allowed_origins(load_clinic(Path(clinic_file)) if clinic_file else None)
        try:
            self._spawn("actions", [str(VENV_BIN / "python"), "-m", "actions.serve", "--port", str(self.actions_port)])
            self._spawn("rasa", [
                str(VENV_BIN / "python"), "-m", "bot.launch", "run", "--model", str(self.model),
                "--interface", self.host, "--port", str(self.rasa_port),
                "--endpoints", str(self._write_endpoints()), "--credentials", str(credentials),
                *rasa_server_args(self.env, origins),
            ])
            if self.web_port:
                socket_url = self.env.get("SCREENER_PUBLIC_URL") or self.rasa_url  # as the browser reaches it
                self._spawn("web", [str(VENV_BIN / "python"), "-m", "bot.web.server", "--host", self.host,
                                    "--port", str(self.web_port), "--socket-url", socket_url])
                self._wait("web", f"{self.web_url}/", timeout)
            self._wait("actions", f"http://127.0.0.1:{self.actions_port}/health", timeout)
            self._wait("rasa", f"{self.rasa_url}/", timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for name in ("web", "rasa", "actions"):
            process = self.processes.get(name)
            if process and process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait(timeout=10)

    def exited(self) -> Optional[str]:
        """The name of a server that has stopped on its own, if any."""
        return next((name for name, process in self.processes.items() if process.poll() is not None), None)

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--rasa-port", type=int, default=int(os.environ.get("RASA_PORT", 5005)))
    parser.add_argument("--actions-port", type=int, default=int(os.environ.get("ACTIONS_PORT", 5055)))
    parser.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    args = parser.parse_args(argv)

    stack = Stack(args.model, host=args.host, rasa_port=args.rasa_port, actions_port=args.actions_port,
                  web_port=args.web_port)
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    print(f"serve: starting the action server, the Rasa server and the page (logs in {stack.workdir})", flush=True)
    try:
        stack.start()
    except StackError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    api = "on, token-protected" if os.environ.get("RASA_API_TOKEN") else "off (set RASA_API_TOKEN to turn it on)"
    print(f"serve: channels: {', '.join(stack.channels)}", flush=True)
    print(f"serve: Rasa server {stack.rasa_url} (HTTP API {api})", flush=True)
    print(f"serve: demo clinic page {stack.web_url}/  - press Ctrl-C to stop", flush=True)
    try:
        while not stopping:
            gone = stack.exited()
            if gone:
                print(f"serve: the {gone} server stopped; see {stack.log(gone)}", file=sys.stderr)
                return 1
            time.sleep(0.5)
    finally:
        print("serve: stopping", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
