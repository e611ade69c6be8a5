"""A tiny static server for the demo clinic page and the widget's files (no CDN, no internet).

    python -m bot.web.server [--host 127.0.0.1] [--port 8080] [--socket-url http://127.0.0.1:5005]

Serves:
  /                      the demo clinic page (index.html, filled in from clinic/clinic.yml)
  /screener/config.js    the widget's settings, generated from clinic/clinic.yml on every request
                         (name, colours, socket URL, picture descriptions)
  /screener/webchat.js   rasa-webchat's bundle from node_modules (its web-font @import removed,
                         so the page loads nothing from the internet)
  /screener/...          the widget's own files (screener.js, screener.css, img/*.svg)

Every answer carries a Content-Security-Policy that lets the page load scripts, styles,
pictures and fonts only from this server and talk only to the Rasa server.

A clinic putting the widget on its own site copies /screener/ (with config.js and webchat.js
as this server makes them) and adds the two <script> tags and the <link> from index.html.
"""

from __future__ import annotations

import argparse
import html
import json
import mimetypes
import os
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Optional, Tuple
from urllib.parse import urlsplit


WEB = Path(__file__).resolve().parent
ROOT = WEB.parents[1]
ASSETS = WEB / "screener"
WEBCHAT_BUNDLE = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
DEFAULT_CLINIC = ROOT / "clinic" / "clinic.yml"
_FONT_IMPORT = re.compile(r"@import url\(https?://[^)]*\);?")
_SVG_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.S)
_ALLOWED_SUFFIXES = {".js", ".css", ".svg", ".png", ".ico", ".json"}
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("text/javascript", ".js")
_FAVICON = (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" '
            b'fill="#0b6e4f"/></svg>')
DEFAULT_COLOURS = {"primary": "#0b6e4f", "accent": "#f2a541", "text_on_primary": "#ffffff"}


from core.clinic import load_clinic  # noqa: E402 (one loader, core/clinic.py)


def picture_descriptions() -> Dict[str, str]:
    """Alt text for each illustration, from the <title> inside the SVG itself."""
    descriptions = {}
    for svg in sorted((ASSETS / "img").glob("*.svg")):
        match = _SVG_TITLE.search(svg.read_text(encoding="utf-8"))
        if match:
            descriptions[f"/screener/img/{svg.name}"] = html.unescape(" ".join(match.group(1).split()))
    return descriptions


def widget_config(clinic: Dict[str, Any], socket_url: str) -> Dict[str, Any]:
    colours = {**DEFAULT_COLOURS, **(clinic.get("colours") or {})}
    return {
        "clinicName": clinic.get("name") or "the clinic",
        "shortName": clinic.get("short_name") or clinic.get("name") or "",
        "colours": colours,
        "socketUrl": socket_url,
        "socketPath": "/socket.io/",
        "initPayload": "/greet",
        # the transcript lives in the tab's session storage: gone when the tab closes, never
        # left in the browser's local storage after the chat has ended
        "storage": "session",
        "pictureDescriptions": picture_descriptions(),
    }


def config_script(clinic: Dict[str, Any], socket_url: str) -> str:
    data = json.dumps(widget_config(clinic, socket_url), ensure_ascii=True, indent=2)
    data = data.replace("<", "\\u003c").replace(">", "\\u003e")
    return f"// Generated from clinic/clinic.yml by bot/web/server.py. Do not edit.\nwindow.SCREENER_CONFIG = {data};\n"


def render_page(clinic: Dict[str, Any]) -> str:
    values = {
        "clinic_name": clinic.get("name") or "the clinic",
        "short_name": clinic.get("short_name") or clinic.get("name") or "",
        "phone": clinic.get("phone") or "",
        "email": clinic.get("email") or "",
        "opening_hours": clinic.get("opening_hours") or "",
        "booking_url": clinic.get("booking_url") or "#",
    }
    page = (WEB / "index.html").read_text(encoding="utf-8")
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: html.escape(str(values.get(m.group(1), "")), quote=True), page)


def webchat_bundle() -> bytes:
    if not WEBCHAT_BUNDLE.exists():
        raise FileNotFoundError(f"{WEBCHAT_BUNDLE} is missing: run scripts/setup_web.sh (npm ci in bot/web)")
    return _FONT_IMPORT.sub("", WEBCHAT_BUNDLE.read_text(encoding="utf-8")).encode("utf-8")


def content_security_policy(socket_url: str) -> str:
    parts = urlsplit(socket_url)
    websocket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # the widget injects its own <style> elements
        "img-src 'self' data:",
        "font-src 'self' data:",  # the widget's carousel icons are fonts inside its own CSS
        f"connect-src 'self' {parts.scheme}://{parts.netloc} {websocket}",
        "object-src 'none'",
        "frame-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ])


class Handler(BaseHTTPRequestHandler):
    server_version = "ScreenerWeb"
    socket_url = "http://127.0.0.1:5005"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        if os.environ.get("SCREENER_WEB_QUIET") != "1":
            super().log_message(format, *args)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        try:
            status, content_type, body = self._resolve(urlsplit(self.path).path)
        except FileNotFoundError as error:
            status, content_type, body = HTTPStatus.INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", str(error).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", content_security_policy(self.socket_url))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _resolve(self, path: str) -> Tuple[int, str, bytes]:
        if path in ("/", "/index.html"):
            return HTTPStatus.OK, "text/html; charset=utf-8", render_page(load_clinic()).encode("utf-8")
        if path == "/screener/config.js":
            return HTTPStatus.OK, "text/javascript; charset=utf-8", config_script(load_clinic(), self.socket_url).encode()
        if path == "/screener/webchat.js":
            return HTTPStatus.OK, "text/javascript; charset=utf-8", webchat_bundle()
        if path == "/favicon.ico":
            return HTTPStatus.OK, "image/svg+xml", _FAVICON
        if path.startswith("/screener/"):
            file = (ASSETS / path[len("/screener/"):]).resolve()
            if (ASSETS in file.parents and file.is_file() and file.suffix in _ALLOWED_SUFFIXES
                    and not any(part.startswith(".") for part in file.relative_to(ASSETS).parts)):
                content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                if content_type.startswith("text/") or file.suffix in (".js", ".svg", ".json"):
                    content_type += "; charset=utf-8"
                return HTTPStatus.OK, content_type, file.read_bytes()
        return HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found"


def make_server(host: str = "127.0.0.1", port: int = 8080, socket_url: str = "http://127.0.0.1:5005") -> ThreadingHTTPServer:
    handler = type("ScreenerHandler", (Handler,), {"socket_url": socket_url.rstrip("/")})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def serve_in_thread(host: str, port: int, socket_url: str) -> Tuple[ThreadingHTTPServer, threading.Thread]:
    server = make_server(host, port, socket_url)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, thread


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the demo clinic page and the screener widget.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--socket-url", default="http://127.0.0.1:5005", help="the Rasa server the widget talks to")
    args = parser.parse_args(argv)
    server = make_server(args.host, args.port, args.socket_url)
    print(f"web: serving the demo clinic page on http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
