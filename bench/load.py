"""Load benchmark: N simulated runners each complete a whole screen in free text.

    .venv/bin/python bench/load.py                      # 50 runners: one Rasa server, then two behind nginx
    .venv/bin/python bench/load.py --runners 20 --think 1 3 --setups two
    .venv/bin/python bench/load.py --setups sqlite,one,two

Each setup starts its own servers on loopback (tests/servers.py: the action server, Rasa
server(s) with the stores of endpoints.yml, nginx) on a fresh PostgreSQL database and Redis
(`sqlite` uses the embedded default instead). Every runner says "hi" and answers each
question in free text, the way a person would type it, with a few seconds of think time
between messages, and agrees to keep the screen (so the clinic's records are written too).
Afterwards every runner's tracker is read back and its user messages compared with what was
sent: a message missing is a lost turn, one stored twice a duplicated turn.

Reported per setup: screens completed, turns per second, per-turn latency p50/p95/p99, errors
(HTTP failures, timeouts, empty or "try again" replies, runners stuck on a question), lost and
duplicated turns, each process's peak memory (VmHWM) and CPU time. The table goes to
reports/load.md (not committed) and to standard output. Needs PostgreSQL, Redis and nginx
(scripts/setup_services.sh) and a trained model (scripts/train.py, or SCREENER_MODEL).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bot.channels.identity import rest_sender  # noqa: E402
from tests.servers import BotServers, rest_headers  # noqa: E402

POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_SERVER", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
MAX_TURNS = 40  # a runner who needs more than this is stuck
TRY_AGAIN = "try again in a moment"

# What a runner types, by the question the bot has just asked (first match wins); when the
# bot asks the same again, the runner puts it another way (the next phrasing in the list).
ANSWERS: List[Tuple[str, List[str]]] = [
    ("shall we start", ["yes please", "yes"]),
    ("a few more", ["no", "none of these"]),
    ("nearly done with the safety", ["nope, none", "no"]),
    ("safety questions", ["none of those", "no"]),
    ("where do you get sore", ["my left knee and shin get sore after long runs", "knee and shin"]),
    ("which side", ["the left", "left"]),
    ("when do you notice", ["after long runs", "after runs"]),
    ("0 to 10", ["about a 4", "4"]),
    ("harder work", ["yes", "yes it does"]),
    ("which running injuries", ["I've had shin splints and runner's knee", "shin splints"]),
    ("keep coming back", ["yes they keep coming back", "yes"]),
    ("hours a day", ["like 9 hours at a desk", "9"]),
    ("picked up any of these", ["my coach said I overstride", "overstriding"]),
    ("self-check", ["skip", "skip this one"]),
    ("keep this screen", ["yes you can keep it", "yes"]),
]
CONSENT_ANSWERS = set(ANSWERS[-1][1])


@dataclass
class RunnerResult:
    sender: str
    sent: List[str] = field(default_factory=list)
    latencies: List[float] = field(default_factory=list)
    errors: List[str] = field(default_factory=list)
    finished: bool = False


def next_answers(question: str) -> Optional[List[str]]:
    text = question.lower()
    for marker, answers in ANSWERS:
        if marker in text:
            return answers
    return None


async def one_runner(session: aiohttp.ClientSession, url: str, sender: str, think: Tuple[float, float],
                     rng: random.Random, start_delay: float) -> RunnerResult:
    result = RunnerResult(sender)
    await asyncio.sleep(start_delay)
    message: Optional[str] = "hi"
    last_question, attempt = None, 0
    while message is not None and len(result.sent) < MAX_TURNS:
        started = time.perf_counter()
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                                    timeout=aiohttp.ClientTimeout(total=60)) as response:
                body = await response.json(content_type=None) if response.status == 200 else None
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            body, status = None, f"{type(error).__name__}"
        result.latencies.append(time.perf_counter() - started)
        result.sent.append(message)
        if status != 200:
            result.errors.append(f"HTTP {status}")
            return result
        reply = "\n".join(m.get("text") or "" for m in body or [])
        if not reply.strip():
            result.errors.append("empty reply")
            return result
        if TRY_AGAIN in reply.lower():
            result.errors.append("try-again reply")
            return result
        question = body[-1].get("text") or ""  # the bot's last message asks the next question
        answers = next_answers(question)
        if answers is None:
            if message in CONSENT_ANSWERS:  # the result came after the last question
                result.finished = True
                return result
            result.errors.append(f"no answer for: {question[-120:]!r}")
            return result
        attempt = attempt + 1 if question == last_question else 0  # asked again: put it another way
        if attempt >= len(answers):
            result.errors.append(f"stuck on: {question[-120:]!r}")
            return result
        last_question, message = question, answers[attempt]
        await asyncio.sleep(rng.uniform(*think))
    if message is not None:
        result.errors.append("too many turns")
    return result


async def run_load(url: str, runners: int, think: Tuple[float, float], seed: int, prefix: str,
                   ramp: float) -> Tuple[List[RunnerResult], float]:
    rng = random.Random(seed)
    connector = aiohttp.TCPConnector(limit=0)
    # the REST channel's bearer token when REST_CHANNEL_TOKEN is set (bot/channels/rest.py)
    async with aiohttp.ClientSession(connector=connector, headers=rest_headers()) as session:
        started = time.perf_counter()
        results = await asyncio.gather(*(
            one_runner(session, url, f"{prefix}-{n}", think, random.Random(rng.random()), rng.uniform(0, ramp))
            for n in range(runners)))
        return list(results), time.perf_counter() - started


def percentile(values: List[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def cpu_seconds(pid: int) -> Optional[float]:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def pids_named(name: str) -> List[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == name:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def service_cpu() -> Dict[str, float]:
    return {name: sum(filter(None, (cpu_seconds(pid) for pid in pids_named(comm))))
            for name, comm in (("PostgreSQL (all backends)", "postgres"), ("Redis", "redis-server"))}


def server_pids(bot: BotServers) -> Dict[str, int]:
    pids = {"action server": bot.actions_process.pid}
    pids.update({f"Rasa server {i + 1}": p.pid for i, p in sorted(bot.rasa_processes.items())})
    if bot.nginx:
        pids.update({("nginx master" if n == 0 else f"nginx worker {n}"): pid for n, pid in enumerate(bot.nginx.pids())})
    return pids


def compare_turns(bot: BotServers, results: List[RunnerResult]) -> Tuple[int, int, int]:
    """(lost, duplicated, screens whose tracker holds a result) from every runner's tracker."""
    lost = duplicated = with_result = 0
    for result in results:
        tracker = bot.tracker(result.sender, via=bot.rasa_url(len(bot.rasa_ports) - 1))
        stored = [e["text"] for e in tracker["events"] if e["event"] == "user"]
        sent_counts, stored_counts = Counter(result.sent), Counter(stored)
        lost += sum((sent_counts - stored_counts).values())
        duplicated += sum((stored_counts - sent_counts).values())
        if tracker["slots"].get("triage"):
            with_result += 1
    return lost, duplicated, with_result


def saved_screens(database_url: str, prefix: str) -> int:
    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("screens"):
                return 0
            # the records name the conversation, rest:<sender> (bot/channels/identity.py)
            return connection.execute(sa.text("SELECT count(*) FROM screens WHERE sender_id LIKE :p"),
                                      {"p": f"{rest_sender(prefix)}-%"}).scalar()
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    name = sa.engine.make_url(url).database
    admin = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


SETUPS = {
    "sqlite": ("one Rasa server, SQLite (embedded default), in-memory locks", 1, False, "sqlite"),
    "one": ("one Rasa server, PostgreSQL + Redis", 1, False, "postgresql"),
    "two": ("two Rasa servers behind nginx, PostgreSQL + Redis", 2, True, "postgresql"),
}


def run_setup(key: str, args: argparse.Namespace, workdir: Path) -> Dict:
    label, servers, nginx, db = SETUPS[key]
    setup_dir = workdir / key
    setup_dir.mkdir(parents=True, exist_ok=True)
    env: Dict[str, str] = {}
    database_url = f"sqlite:///{setup_dir / 'screener.db'}"
    if db == "postgresql":
        database_url = f"{POSTGRES_SERVER}/screener_bench_{key}_{os.getpid()}"
        drop_database(database_url)
        env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL}
    print(f"bench: {label}: starting the servers (logs in {setup_dir})", flush=True)
    bot = BotServers(setup_dir, model=args.model, rasa_servers=servers, nginx=nginx, env=env or None)
    bot.start()
    try:
        pids = server_pids(bot)
        # warm-up and the unloaded latency: one runner, no think time
        warm, _ = asyncio.run(run_load(bot.url, 1, (0, 0), args.seed, f"warm-{key}", 0))
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        services_before = service_cpu()
        load_before = os.getloadavg()
        print(f"bench: {label}: {args.runners} runners, think time {args.think[0]:g}-{args.think[1]:g} s", flush=True)
        prefix = f"bench-{key}-{int(time.time())}"
        results, wall = asyncio.run(run_load(bot.url, args.runners, tuple(args.think), args.seed, prefix, args.ramp))
        load_after = os.getloadavg()
        cpu = {name: (cpu_seconds(pid) or 0) - (cpu_before[name] or 0) for name, pid in pids.items()}
        services_after = service_cpu()
        cpu.update({name: services_after[name] - services_before[name] for name in services_after})
        memory = bot.peak_memory()
        lost, duplicated, with_result = compare_turns(bot, results)
        screens = saved_screens(database_url, prefix)
    finally:
        bot.stop()
        if db == "postgresql":
            drop_database(database_url)
    latencies = [lat for r in results for lat in r.latencies]
    errors = Counter(e.split(":")[0] for r in results for e in r.errors)
    return {
        "key": key, "label": label, "wall": wall, "runners": args.runners,
        "completed": sum(1 for r in results if r.finished and not r.errors), "with_result": with_result,
        "saved_screens": screens, "turns": len(latencies), "turns_per_s": len(latencies) / wall if wall else 0,
        "p50": percentile(latencies, 50) * 1000, "p95": percentile(latencies, 95) * 1000,
        "p99": percentile(latencies, 99) * 1000, "max": max(latencies) * 1000 if latencies else float("nan"),
        "mean": statistics.mean(latencies) * 1000 if latencies else float("nan"),
        "unloaded_p50": percentile(warm[0].latencies, 50) * 1000,
        "errors": sum(errors.values()), "error_kinds": dict(errors), "lost": lost, "duplicated": duplicated,
        "memory": memory, "cpu": cpu, "load_before": load_before, "load_after": load_after,
        "examples": [e for r in results for e in r.errors][:5],
    }


def other_training() -> List[str]:
    found = []
    for pid in pids_named("python3.10") + pids_named("python3") + pids_named("python"):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        if " train" in command and "rasa" in command:
            found.append(command.strip()[:120])
    return found


def report(rows: List[Dict], args: argparse.Namespace, training: List[str]) -> str:
    lines = [
        "# Load benchmark", "",
        f"{datetime.now(timezone.utc).isoformat(timespec='seconds')} on {os.cpu_count()} cores; "
        f"{args.runners} runners each completing a free-text screen, think time "
        f"{args.think[0]:g}-{args.think[1]:g} s, starts spread over {args.ramp:g} s; model {args.model.name}.",
        "Command: `.venv/bin/python bench/load.py " + " ".join(sys.argv[1:]) + "`", "",
    ]
    if training:
        lines += ["**Other work on the machine during the run** (a model training shares the 2 cores):", ""]
        lines += [f"- `{command}`" for command in training] + [""]
    lines += ["| setup | screens completed | turns | turns/s | p50 ms | p95 ms | p99 ms | max ms | unloaded p50 ms "
              "| errors | lost turns | duplicated turns |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(
            f"| {r['label']} | {r['completed']}/{r['runners']} (tracker result {r['with_result']}, records "
            f"{r['saved_screens']}) | {r['turns']} | {r['turns_per_s']:.1f} | {r['p50']:.0f} | {r['p95']:.0f} | "
            f"{r['p99']:.0f} | {r['max']:.0f} | {r['unloaded_p50']:.0f} | {r['errors']} | {r['lost']} | "
            f"{r['duplicated']} |")
    lines += ["", "Peak memory (VmHWM) and CPU time used during the load phase, per process:", "",
              "| setup | process | peak memory MB | CPU s | CPU ms per turn |", "|---|---|---|---|---|"]
    for r in rows:
        for name in list(r["memory"]) + [n for n in r["cpu"] if n not in r["memory"]]:
            kb = r["memory"].get(name)
            seconds = r["cpu"].get(name)
            lines.append(f"| {r['key']} | {name} | {kb / 1024:.0f} | " if kb else f"| {r['key']} | {name} | - | ")
            lines[-1] += (f"{seconds:.1f} | {seconds * 1000 / max(r['turns'], 1):.0f} |" if seconds is not None
                          else "- | - |")
    lines += ["", "Load average before/after each run: " + "; ".join(
        f"{r['key']}: {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}" for r in rows)]
    for r in rows:
        if r["examples"]:
            lines += ["", f"Errors in {r['key']}: {r['error_kinds']}; for example:"]
            lines += [f"- {e}" for e in r["examples"]]
    return "\n".join(lines) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runners", type=int, default=50)
    parser.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"))
    parser.add_argument("--ramp", type=float, default=10.0, help="spread the runners' first message over this many s")
    parser.add_argument("--setups", default="one,two", help=f"comma-separated: {', '.join(SETUPS)}")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--model", type=Path, help="default: SCREENER_MODEL or what scripts/train.py prints")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "load.md")
    args = parser.parse_args(argv)
    if args.model is None:
        from tests.servers import trained_model

        args.model = trained_model()
    if not args.model.exists():
        print(f"bench: no model at {args.model}: run scripts/train.py (or set SCREENER_MODEL)", file=sys.stderr)
        return 1
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    unknown = [s for s in setups if s not in SETUPS]
    if unknown:
        parser.error(f"unknown setup(s): {', '.join(unknown)}")
    if any(SETUPS[s][3] == "postgresql" for s in setups):
        subprocess.run([str(ROOT / "scripts" / "setup_services.sh")], check=True)
    training = other_training()
    workdir = Path(tempfile.mkdtemp(prefix="screener-bench-"))
    rows = [run_setup(key, args, workdir) for key in setups]
    text = report(rows, args, training + [t for t in other_training() if t not in training])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(text)
    print(f"bench: written to {args.out}")
    ok = all(r["errors"] == 0 and r["lost"] == 0 and r["duplicated"] == 0 for r in rows)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
