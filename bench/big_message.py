"""Big-message benchmark: one runner sends a huge message while another has an ordinary turn.

    .venv/bin/python bench/big_message.py                    # the clinic's REST channel, then Rasa's stock one
    .venv/bin/python bench/big_message.py --setups limited   # only the clinic's (bot/channels/rest.py)

Each setup starts its own action server and Rasa server on free loopback ports
(tests/servers.py, SQLite in a temporary directory): `limited` with the clinic's REST channel
and its input limits (bot/channels/limits.py), `stock` with Rasa's own `rest:` channel, which
hands every message to Rasa - how the REST channel behaved before the limits.

For each size (200 KB, 1 MB and 2 MB of running-log text, all far over `max_message_chars`;
2 MB is also over the request body cap), runner A, at the first safety question, sends the
big message; 0.3 s later runner B, at the same question, sends an ordinary answer. Reported:
the big message's reply time and reply (target under 2 s), B's turn time (target under 1 s;
next to it, the same turn with nothing else going on), the Rasa server's resident memory
(VmRSS) before and after and its peak (VmHWM), whether A's conversation is unchanged (its
events, read back through the HTTP API) and whether A's next ordinary answer gets the same
next question as B's. Written to reports/big_message.md (not committed) and standard output.
Needs a trained model (scripts/train.py, or SCREENER_MODEL).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.channels.identity import rest_sender  # noqa: E402
from tests.servers import BotServers, rest_headers, trained_model  # noqa: E402

SETUPS = {
    "limited": ("the clinic's REST channel, with the input limits", "bot.channels.rest.ClinicRestInput:\n"),
    "stock": ("Rasa's stock REST channel (before the limits)", "rest:\n"),
}
# The conversation a REST sender's messages are stored in: the clinic's channel prefixes it
# (bot/channels/identity.py), Rasa's stock channel keeps it as it is.
CONVERSATION_ID = {"limited": rest_sender, "stock": str}
SIZES = {"200 KB": 200_000, "1 MB": 1_000_000, "2 MB": 2_000_000}
START = '/start_screening{"consent":"dont_keep"}'
ANSWER = "no, none of those"  # an ordinary answer to the first safety question
LOG_LINE = "Week 12: long run 18 km at easy pace, left knee a bit sore after 14 km, iced it after. "
TIMEOUT = 180


def running_log(size: int) -> str:
    return (LOG_LINE * (size // len(LOG_LINE) + 1))[:size]


def memory_mb(pid: int) -> Dict[str, Optional[float]]:
    """A process's resident memory now (VmRSS) and its peak so far (VmHWM), in MB."""
    found: Dict[str, Optional[float]] = {"VmRSS": None, "VmHWM": None}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":")[0]
            if key in found:
                found[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


def send(url: str, sender: str, message: str) -> Tuple[float, int, List[Dict[str, Any]], str]:
    """(seconds, HTTP status, replies, error) of one REST message."""
    body = json.dumps({"sender": sender, "message": message}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body, method="POST",
                                     headers={"Content-Type": "application/json", **rest_headers()})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            status, raw = answer.status, answer.read()
        return time.perf_counter() - started, status, json.loads(raw or b"[]"), ""
    except urllib.error.HTTPError as error:
        return time.perf_counter() - started, error.code, [], error.read().decode(errors="replace")[:120]
    except (urllib.error.URLError, OSError) as error:
        return time.perf_counter() - started, 0, [], repr(error)[:120]


def texts(replies: List[Dict[str, Any]]) -> List[str]:
    return [reply.get("text") or "" for reply in replies]


def at_first_question(bot: BotServers, sender: str) -> None:
    send(bot.url, sender, "hi")
    _, status, replies, _ = send(bot.url, sender, START)
    if status != 200 or not any(b.get("payload") == "/deny" for r in replies for b in r.get("buttons", [])):
        raise RuntimeError(f"{sender} did not reach the first safety question: {texts(replies)}")


def one_size(bot: BotServers, pid: int, label: str, size: int, tag: str) -> Dict[str, Any]:
    big_runner, other_runner = f"big-{tag}-{uuid.uuid4().hex[:6]}", f"other-{tag}-{uuid.uuid4().hex[:6]}"
    at_first_question(bot, big_runner)
    at_first_question(bot, other_runner)
    big_conversation = CONVERSATION_ID[tag](big_runner)
    events_before = bot.conversation_tracker(big_conversation)["events"]
    memory_before = memory_mb(pid)
    results: Dict[str, Tuple[float, int, List[Dict[str, Any]], str]] = {}
    big = threading.Thread(target=lambda: results.update(big=send(bot.url, big_runner, running_log(size))))
    big.start()
    time.sleep(0.3)  # the big message is in the server first
    results["other"] = send(bot.url, other_runner, ANSWER)
    big.join()
    memory_after = memory_mb(pid)
    # an empty conversation read twice would be "unchanged" without checking anything
    unchanged = bool(events_before) and bot.conversation_tracker(big_conversation)["events"] == events_before
    _, _, next_replies, _ = send(bot.url, big_runner, ANSWER)
    big_seconds, big_status, big_replies, big_error = results["big"]
    other_seconds, _, other_replies, _ = results["other"]
    return {
        "label": label, "big_seconds": big_seconds, "big_status": big_status,
        "big_reply": " / ".join(texts(big_replies)) or big_error, "other_seconds": other_seconds,
        "rss_before": memory_before["VmRSS"], "rss_after": memory_after["VmRSS"], "peak": memory_after["VmHWM"],
        "unchanged": unchanged, "goes_on": texts(next_replies) == texts(other_replies),
    }


def run_setup(key: str, model: Path, workdir: Path) -> Dict[str, Any]:
    label, credentials = SETUPS[key]
    setup_dir = workdir / key
    setup_dir.mkdir(parents=True, exist_ok=True)
    print(f"bench: {label}: starting the servers (logs in {setup_dir})", flush=True)
    bot = BotServers(setup_dir, credentials=credentials, model=model).start()
    try:
        pid = bot.rasa_processes[0].pid
        warm = f"warm-{uuid.uuid4().hex[:6]}"
        at_first_question(bot, warm)
        alone = f"alone-{uuid.uuid4().hex[:6]}"
        at_first_question(bot, alone)
        alone_seconds = send(bot.url, alone, ANSWER)[0]  # the ordinary turn with nothing else going on
        rows = []
        for size_label, size in SIZES.items():
            print(f"bench: {label}: {size_label} message", flush=True)
            rows.append(one_size(bot, pid, size_label, size, key))
    finally:
        bot.stop()
    return {"key": key, "label": label, "alone_seconds": alone_seconds, "rows": rows}


def report(setups: List[Dict[str, Any]], model: Path) -> str:
    def mb(value: Optional[float]) -> str:
        return "-" if value is None else f"{value:.0f}"

    lines = [
        "# Big message benchmark", "",
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} on {os.cpu_count()} cores; model {model.name}.",
        "Command: `.venv/bin/python bench/big_message.py " + " ".join(sys.argv[1:]) + "`", "",
        "Runner A sends the big message (running-log text over REST); 0.3 s later runner B sends an ordinary "
        "answer. Targets: A's reply under 2 s, B's turn under 1 s, the Rasa server's memory flat.", "",
        "| setup | message | A's reply | A's reply time | B's turn (alone) | Rasa RSS before -> after | Rasa peak "
        "| A's conversation unchanged | A's next answer goes on |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for setup in setups:
        for row in setup["rows"]:
            reply = row["big_reply"][:70] + ("..." if len(row["big_reply"]) > 70 else "")
            lines.append(
                f"| {setup['label']} | {row['label']} | {row['big_status']}: {reply} | {row['big_seconds']:.3f} s "
                f"| {row['other_seconds']:.3f} s ({setup['alone_seconds']:.3f} s) "
                f"| {mb(row['rss_before'])} -> {mb(row['rss_after'])} MB | {mb(row['peak'])} MB "
                f"| {'yes' if row['unchanged'] else 'no'} | {'yes' if row['goes_on'] else 'no'} |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="limited,stock", help=f"comma-separated: {', '.join(SETUPS)}")
    parser.add_argument("--model", type=Path, help="default: SCREENER_MODEL or what scripts/train.py prints")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "big_message.md")
    args = parser.parse_args(argv)
    model = args.model or trained_model()
    if not model.exists():
        print(f"bench: no model at {model}: run scripts/train.py (or set SCREENER_MODEL)", file=sys.stderr)
        return 1
    keys = [key.strip() for key in args.setups.split(",") if key.strip()]
    unknown = [key for key in keys if key not in SETUPS]
    if unknown:
        parser.error(f"unknown setup(s): {', '.join(unknown)}")
    workdir = Path(tempfile.mkdtemp(prefix="screener-big-message-"))
    setups = [run_setup(key, model, workdir) for key in keys]
    text = report(setups, model)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"bench: written to {args.out}")
    limited = [row for setup in setups if setup["key"] == "limited" for row in setup["rows"]]
    ok = all(row["big_seconds"] < 2 and row["other_seconds"] < 1 and row["unchanged"] and row["goes_on"]
             for row in limited)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
