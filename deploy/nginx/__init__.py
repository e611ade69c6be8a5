"""Run nginx in front of several Rasa servers, as a child process (tests, benchmark, by hand).

    python -m deploy.nginx --listen 127.0.0.1:8000 --rasa 127.0.0.1:5005 --rasa 127.0.0.1:5006

fills deploy/nginx/screener.conf.template into a temporary prefix directory (config, pid,
logs and temp files all there, nothing system-wide) and runs `nginx -p PREFIX -c ...` in the
foreground until Ctrl-C. The request body cap is the Rasa server's channels' own, from
max_message_chars in clinic/clinic.yml (bot/channels/limits.py); REST is passed on only
for clients on this machine (bot/channels/rest.py). Needs Debian's nginx
(scripts/setup_services.sh installs it).
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence

from bot.channels.limits import max_body_bytes, max_message_chars

TEMPLATE = Path(__file__).resolve().parent / "screener.conf.template"
NGINX_PATHS = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")


class NginxError(RuntimeError):
    pass


def nginx_binary() -> Optional[str]:
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_PATHS if Path(path).exists()), None)


def render(listen: str, upstreams: Sequence[str], prefix: Path) -> str:
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=2s;" for address in upstreams)
    text = TEMPLATE.read_text(encoding="utf-8")
    text = text.replace("{{prefix}}", str(prefix)).replace("{{listen}}", listen).replace("{{rasa_servers}}", servers)
    text = text.replace("{{max_body_bytes}}", str(max_body_bytes(max_message_chars())))
    if "{{" in text:
        raise NginxError(f"unfilled placeholder in {TEMPLATE}")
    return text


class Nginx:
    """nginx with its own prefix directory, in the foreground, as a child process."""

    def __init__(self, upstreams: Sequence[str], listen: str, prefix: Optional[Path] = None) -> None:
        self.upstreams = list(upstreams)
        self.listen = listen
        self.prefix = Path(prefix or tempfile.mkdtemp(prefix="screener-nginx-"))
        self.process: Optional[subprocess.Popen] = None

    @property
    def url(self) -> str:
        host, _, port = self.listen.rpartition(":")
        return f"http://{host or '127.0.0.1'}:{port}"

    @property
    def log(self) -> Path:
        return self.prefix / "error.log"

    def start(self, timeout: float = 15) -> "Nginx":
        binary = nginx_binary()
        if not binary:
            raise NginxError("nginx is not installed (scripts/setup_services.sh installs it)")
        self.prefix.mkdir(parents=True, exist_ok=True)
        self.prefix.chmod(0o755)  # nginx's workers (user nobody when started as root) use its temp dirs
        config = self.prefix / "nginx.conf"
        config.write_text(render(self.listen, self.upstreams, self.prefix), encoding="utf-8")
        command = [binary, "-p", str(self.prefix), "-c", str(config), "-e", str(self.log)]
        check = subprocess.run(command + ["-t", "-q"], capture_output=True, text=True)
        if check.returncode != 0:
            raise NginxError(f"nginx rejected {config}:\n{check.stderr}")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=(self.prefix / "stderr.log").open("w"),
                                        stdin=subprocess.DEVNULL)
        host, _, port = self.listen.rpartition(":")
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise NginxError(f"nginx exited: {self.log.read_text(errors='replace')[-2000:] if self.log.exists() else ''}")
            try:
                with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise NginxError(f"nginx did not listen on {self.listen} within {timeout} s")

    def pids(self) -> List[int]:
        """The master's and the workers' process ids."""
        if not self.process or self.process.poll() is not None:
            return []
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [self.process.pid, *workers]

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful: finish the requests under way
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def __enter__(self) -> "Nginx":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listen", default="127.0.0.1:8000")
    parser.add_argument("--rasa", action="append", required=True, help="a Rasa server, host:port (repeat)")
    parser.add_argument("--prefix", type=Path)
    args = parser.parse_args(argv)
    nginx = Nginx(args.rasa, args.listen, args.prefix).start()
    print(f"nginx: {nginx.url} -> {', '.join(args.rasa)} (prefix {nginx.prefix}); Ctrl-C stops it", flush=True)
    try:
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        nginx.process.wait()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        nginx.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
