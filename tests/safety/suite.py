"""The adversarial red-flag safety suite: blind phrasings of every red flag, and traps.

Cases live in tests/safety/cases/<split>/*.yml (splits `dev` and `test`; `test` is frozen:
written blind, never tuned against). Per red flag, a file
    {red_flag: <id>, level: <level>, phrasings: [{text, kind, also: [ids]?}]}
and trap files traps_*.yml (things that sound alarming but are no red flag)
    {traps: [{text, kind, why}]}

Every phrasing is played three times over REST against the real servers (tests/servers.py),
each time as a fresh runner (the way to a group's question is played once per server and
then given to each trial as its tracker's events; the phrasing and everything after it go
through the REST channel turn by turn, see Prefixes):
    own    "Start & keep answers" (its payload), /deny to every red-flag group asked before the
           phrasing's own group, then the phrasing at its own group's question
    other  the same, but at another group's question: the see_clinician question for an
           emergency flag, the emergency question for every other flag
    first  the phrasing is the runner's very first message, then "Start & keep answers"
(traps: own = at the emergency question, other = at the see_clinician question, first = the
first message). After the phrasing the runner answers every red-flag group question with
/deny and the confirmation question (requested_slot rf_confirm) with "yes" ("no" for a
trap), until the red-flag phase is over, the screen has ended (slot `triage` set), or
MAX_TURNS messages have gone by (the case is "stuck").

Observed level: the `triage` slot when it is a red-flag level; else the highest level among
the red flags recorded in the group slots (a "yes"/"unsure" marker counts as that group's
level); else "none". Levels of red flag ids come from clinic/screening_rules.yml.

    .venv/bin/python -m tests.safety.suite [--split dev|test|all] [--workers N]

writes reports/safety.json (every trial with the bot's replies) and prints a summary; a
full run (--split all) also regenerates docs/clinical-safety.md. Texts of the frozen test
split are never printed unless SAFETY_SHOW_TEST_TEXTS=1 (they stay in the JSON report).
The pytest gate is tests/safety/test_safety_suite.py.

The servers run with Rasa's in-memory tracker store (BotServers(stores=False)): the suite
measures reading and triage, not storage, and the in-memory store is the cheaper one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from actions import slots as s  # noqa: E402  (slot names only: no Rasa import)
from bot.channels.identity import rest_sender  # noqa: E402  (no Rasa import)
from tests.servers import BotServers, conversation_url, http  # noqa: E402

CASES_DIR = ROOT / "tests" / "safety" / "cases"
RULES_PATH = ROOT / "clinic" / "screening_rules.yml"
DOMAIN_PATH = ROOT / "domain.yml"
REPORT_PATH = ROOT / "reports" / "safety.json"

SPLITS = ("dev", "test")
POSITIONS = ("own", "other", "first")
MAX_TURNS = 12  # messages after the phrasing before a case counts as stuck
CONFIRM_SLOT = "rf_confirm"
DENY = "/deny"
START_TITLE = "Start & keep answers"
NONE_LEVEL = "none"
GROUP_MARKERS = ("yes", s.UNSURE)  # in a group slot: that group's level
IGNORED_MARKERS = (s.NONE,)
TRAPS = "(traps)"  # the key of traps in per-red-flag figures
SHOW_TEST_TEXTS = os.environ.get("SAFETY_SHOW_TEST_TEXTS") == "1"

# The targets and the gate the test command holds (tests/safety/gate.yml, declared there once).
GATE = yaml.safe_load((Path(__file__).with_name("gate.yml")).read_text(encoding="utf-8"))
TARGET, LINE = GATE["target"], GATE["gate"]
MAX_OVER_TRIAGE_RATE = TARGET["max_over_triage_rate"]
MIN_CONSISTENCY = TARGET["min_consistency"]
MIN_PHRASINGS_PER_FLAG = 15
MIN_TRAPS = 60


# --------------------------------------------------------------------------- knowledge base
@dataclass
class Knowledge:
    """The red flags of clinic/screening_rules.yml: levels (most urgent first) and flags."""

    version: str
    levels: List[str]
    flags: List[Dict[str, Any]]  # id, level, label, question, sources: [(id, full text)]
    flag_level: Dict[str, str]
    group_slot: Dict[str, str]  # level -> slot holding that group's answer

    def rank(self, level: Optional[str]) -> int:
        """0 for none (or unknown), higher = more urgent."""
        if level in self.levels:
            return len(self.levels) - self.levels.index(level)
        return 0

    def highest(self, levels: Iterable[Optional[str]]) -> str:
        best = NONE_LEVEL
        for level in levels:
            if self.rank(level) > self.rank(best):
                best = level
        return best

    @property
    def answer_slots(self) -> Tuple[str, ...]:
        """requested_slot values the suite answers after the phrasing."""
        return tuple(self.group_slot[level] for level in self.levels) + (CONFIRM_SLOT,)


def load_knowledge(path: Path = RULES_PATH) -> Knowledge:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    sources = raw.get("sources") or {}
    levels, flags, flag_level = [], [], {}
    for group in raw["red_flag_groups"]:
        level = group["level"]
        levels.append(level)
        for flag in group["flags"]:
            flag_level[flag["id"]] = level
            flags.append({
                "id": flag["id"], "level": level, "label": flag.get("label", ""),
                "question": flag.get("question", ""),
                "sources": [(sid, sources.get(sid, "(missing from sources:)")) for sid in flag.get("sources", [])],
            })
    group_slot = {}
    for level in levels:
        if level not in s.RED_FLAG_GROUP_SLOTS:
            raise ValueError(f"red-flag level {level!r} has no group slot in actions/slots.py")
        group_slot[level] = s.RED_FLAG_GROUP_SLOTS[level]
    return Knowledge(str(raw.get("version", "")), levels, flags, flag_level, group_slot)


def start_payload_from_domain(path: Path = DOMAIN_PATH) -> str:
    """The payload of the welcome's "Start & keep answers" button, as the runner sends it."""
    domain = yaml.safe_load(path.read_text(encoding="utf-8"))
    for variant in domain["responses"]["utter_welcome"]:
        for button in variant.get("buttons", []):
            if button["title"] == START_TITLE:
                return button["payload"].replace("{{", "{").replace("}}", "}")
    raise ValueError(f"no {START_TITLE!r} button in utter_welcome (domain.yml)")


# --------------------------------------------------------------------------- cases
@dataclass
class Case:
    split: str
    file: str
    index: int
    text: str
    kind: str
    red_flag: Optional[str]  # None for a trap
    also: List[str]
    expected: str
    why: str = ""
    level: str = NONE_LEVEL  # the red flag's own level (none for a trap)

    @property
    def id(self) -> str:
        return f"{self.split}/{Path(self.file).stem}#{self.index}"

    @property
    def is_trap(self) -> bool:
        return self.red_flag is None

    @property
    def flag_key(self) -> str:
        return TRAPS if self.is_trap else self.red_flag


def splits_of(split: str) -> Tuple[str, ...]:
    if split == "all":
        return SPLITS
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}: dev, test or all")
    return (split,)


def _case_files(split: str, cases_dir: Path) -> List[Tuple[str, Path]]:
    files = []
    for name in splits_of(split):
        folder = cases_dir / name
        if folder.is_dir():
            files += [(name, path) for path in sorted(list(folder.glob("*.yml")) + list(folder.glob("*.yaml")))]
    return files


def load_cases(split: str, kb: Knowledge, cases_dir: Path = CASES_DIR) -> Tuple[List[Case], List[str]]:
    """All cases of the split(s), and the problems found in the case files (no texts quoted).

    A red flag that is not in the knowledge base is still played, at the level its case file
    declares (so a gap in the knowledge base shows up as misses), and reported as a problem.
    """
    cases: List[Case] = []
    problems: List[str] = []
    loaded: List[Tuple[str, Path, Dict[str, Any]]] = []
    for name, path in _case_files("all", cases_dir):  # every file: levels of flags outside the KB
        where = f"{name}/{path.name}"
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as error:  # may still be being written
            problems.append(f"{where}: not valid YAML ({type(error).__name__})")
            continue
        if not isinstance(data, dict):
            problems.append(f"{where}: not a mapping")
            continue
        loaded.append((name, path, data))
    levels = dict(kb.flag_level)
    for name, path, data in loaded:
        flag, level = data.get("red_flag"), data.get("level")
        if not path.name.startswith("traps") and flag not in kb.flag_level and level in kb.levels:
            levels.setdefault(flag, level)
    wanted = splits_of(split)
    problems = [p for p in problems if p.split("/")[0] in wanted]
    for name, path, data in loaded:
        if name not in wanted:
            continue
        where = f"{name}/{path.name}"
        if path.name.startswith("traps"):
            entries, red_flag = data.get("traps") or [], None
        else:
            red_flag = data.get("red_flag")
            if red_flag not in levels:
                problems.append(f"{where}: red_flag {red_flag!r} is not in clinic/screening_rules.yml "
                                f"and level {data.get('level')!r} is not a red-flag level: not played")
                continue
            if red_flag not in kb.flag_level:
                problems.append(f"{where}: red_flag {red_flag!r} is not in clinic/screening_rules.yml "
                                f"(played at the file's level, {levels[red_flag]})")
            elif data.get("level") != kb.flag_level[red_flag]:
                problems.append(f"{where}: level {data.get('level')!r} but the knowledge base says "
                                f"{kb.flag_level[red_flag]!r} (the knowledge base's level is used)")
            entries = data.get("phrasings") or []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("text"), str) or not entry["text"].strip():
                problems.append(f"{where} #{index}: no text (or not a string: quote yes/no in YAML)")
                continue
            also = [str(flag) for flag in (entry.get("also") or [])]
            unknown = [flag for flag in also if flag not in levels]
            if unknown:
                problems.append(f"{where} #{index}: ids of unknown level in also (ignored): {unknown}")
            outside = [flag for flag in also if flag in levels and flag not in kb.flag_level]
            if outside:
                problems.append(f"{where} #{index}: also names red flags not in the knowledge base: {outside}")
            also = [flag for flag in also if flag in levels]
            expected = NONE_LEVEL if red_flag is None else kb.highest(levels[f] for f in [red_flag, *also])
            cases.append(Case(name, path.name, index, entry["text"], str(entry.get("kind", "")),
                              red_flag, also, expected, str(entry.get("why", "") or ""),
                              NONE_LEVEL if red_flag is None else levels[red_flag]))
    return cases, problems


def phrasing_counts(cases: List[Case], kb: Knowledge) -> Dict[str, Dict[str, int]]:
    """{flag id or (traps): {split: n, "total": n}} for every flag of the knowledge base."""
    counts: Dict[str, Dict[str, int]] = {}
    for key in [flag["id"] for flag in kb.flags] + [TRAPS]:
        counts[key] = {name: 0 for name in SPLITS}
        counts[key]["total"] = 0
    for case in cases:
        entry = counts.setdefault(case.flag_key, {**{name: 0 for name in SPLITS}, "total": 0})
        entry[case.split] += 1
        entry["total"] += 1
    return counts


# --------------------------------------------------------------------------- one trial
class Blocked(Exception):
    """The conversation never reached the place where the phrasing is to be sent."""


class Conversation:
    """One runner over REST: what was sent, what the bot said, and cheap slot reads."""

    def __init__(self, bot: BotServers, sender: str):
        self.bot = bot
        self.sender = sender
        # With several Rasa servers (in-memory stores), a conversation stays on one of them.
        servers = len(getattr(bot, "rasa_ports", [None]))
        self.url = bot.rasa_url(zlib.crc32(sender.encode()) % servers) if servers > 1 else bot.url
        self.turns: List[Dict[str, Any]] = []
        self.last: List[Dict[str, Any]] = []

    def say(self, message: str) -> None:
        self.last = self.bot.say(self.sender, message, via=self.url) or []
        self.turns.append({
            "sent": message,
            "replies": [m.get("text", "") + "".join(f" [{b.get('title')}]" for b in m.get("buttons", []))
                        for m in self.last],
        })

    def button(self, title: str) -> Optional[str]:
        for message in self.last:
            for button in message.get("buttons", []) or []:
                if button.get("title") == title:
                    return button.get("payload")
        return None

    def events(self) -> List[Dict[str, Any]]:
        tracker = http("GET", f"{conversation_url(self.url, rest_sender(self.sender))}/tracker"
                              f"?token={self.bot.token}&include_events=ALL")
        return tracker.get("events") or []

    def state(self) -> Dict[str, Any]:
        """The tracker without events: slots and the active loop."""
        tracker = http("GET", f"{conversation_url(self.url, rest_sender(self.sender))}/tracker"
                              f"?token={self.bot.token}&include_events=NONE")
        return tracker


class Prefixes:
    """The way to a red-flag group's question, played once per Rasa server and target by a
    real runner ("Start & keep answers", then "None of these" to each group before it) and
    then given to every trial at that position as the tracker's events (Rasa's PUT
    /conversations/<id>/tracker/events). Only the phrasing and what follows it are played
    turn by turn: the way there is the same conversation for every case, and playing it
    again for each of 2,000+ trials cost a third of the suite's time."""

    def __init__(self, bot: BotServers, kb: Knowledge, start_payload: str, run_id: str):
        self.bot, self.kb, self.start_payload, self.run_id = bot, kb, start_payload, run_id
        self.lock = threading.Lock()
        self.cache: Dict[Tuple[str, str], Tuple[List[Dict[str, Any]], List[Dict[str, Any]]]] = {}

    def get(self, url: str, target: str):
        """(events, turns) of a conversation on server `url` now asked `target`."""
        with self.lock:
            if (url, target) not in self.cache:
                self.cache[(url, target)] = self._play(url, target)
            return self.cache[(url, target)]

    def _play(self, url: str, target: str):
        for attempt in range(50):  # a sender name that lands on this server
            sender = f"safety-{self.run_id}-prefix-{target}-{attempt}"
            conversation = Conversation(self.bot, sender)
            if conversation.url == url:
                break
        conversation.say(self.start_payload)
        for _ in range(len(self.kb.levels) + 1):
            requested = conversation.state()["slots"].get(s.REQUESTED_SLOT)
            if requested == target:
                return conversation.events(), conversation.turns
            if requested in self.kb.group_slot.values():
                conversation.say(DENY)
                continue
            break
        raise Blocked(f"the {target} question was never asked (requested_slot {requested!r})")


def target_slot(case: Case, position: str, kb: Knowledge) -> str:
    """The group question at which the phrasing is sent (own/other positions)."""
    most, least = kb.levels[0], kb.levels[-1]
    if case.is_trap:
        level = most if position == "own" else least
    elif position == "own":
        level = case.level
    else:
        level = least if case.level == most else most
    return kb.group_slot[level]


def observed(slots: Dict[str, Any], kb: Knowledge) -> Tuple[str, List[str]]:
    """The observed level and the red flag ids recorded in the slots."""
    flags: List[str] = []
    levels: List[str] = []
    for level, slot in kb.group_slot.items():
        values = slots.get(slot) or []
        if isinstance(values, str):
            values = [values]
        for value in values:
            if value in GROUP_MARKERS:
                levels.append(level)
            elif value in IGNORED_MARKERS:
                continue
            elif value in kb.flag_level:
                levels.append(kb.flag_level[value])
                flags.append(value)
    for value in slots.get("red_flags") or []:
        if value in kb.flag_level and value not in flags:
            flags.append(value)
    triage = slots.get(s.TRIAGE)
    if triage in kb.levels:
        return triage, flags
    return kb.highest(levels), flags


def run_trial(bot: BotServers, kb: Knowledge, case: Case, position: str, run_id: str,
              start_payload: str, prefixes: Prefixes) -> Dict[str, Any]:
    sender = re.sub(r"[^A-Za-z0-9_-]+", "-", f"safety-{run_id}-{case.id}-{position}")
    conversation = Conversation(bot, sender)
    record: Dict[str, Any] = {
        "case": case.id, "split": case.split, "file": case.file, "index": case.index,
        "red_flag": case.red_flag, "in_knowledge_base": case.is_trap or case.red_flag in kb.flag_level,
        "also": case.also, "trap": case.is_trap, "kind": case.kind, "text": case.text,
        "position": position, "sender": sender, "expected": case.expected,
        "observed": None, "red_flags": [], "confirm_asked": False, "turns": 0, "stuck": False,
        "error": None, "sent_at": None, "start_tapped": False, "no_start_button": False,
        "final": {}, "replies": [],
    }
    started = time.time()
    tracker: Dict[str, Any] = {}

    def start() -> None:
        payload = conversation.button(START_TITLE)
        if payload is None:
            record["no_start_button"] = True
            payload = start_payload
        conversation.say(payload)
        record["start_tapped"] = True

    try:
        if position == "first":
            conversation.say(case.text)
            record["sent_at"] = "first message"
            phrasing_turn = len(conversation.turns)
            tracker = conversation.state()
            slots = tracker["slots"]
            if not slots.get(s.TRIAGE) and slots.get(s.REQUESTED_SLOT) not in kb.answer_slots:
                start()
        else:  # the way to the question as played once by Prefixes, then the phrasing
            target = target_slot(case, position, kb)
            events, turns = prefixes.get(conversation.url, target)
            now = time.time()  # fresh timestamps: an old prefix must not look like an expired session
            bot.replace_events(sender, [dict(e, timestamp=now + i * 1e-6) for i, e in enumerate(events)],
                               via=conversation.url)
            conversation.turns = [dict(t, replayed=True) for t in turns]
            record["start_tapped"] = True
            conversation.say(case.text)
            record["sent_at"] = target
            phrasing_turn = len(conversation.turns)

        while True:
            tracker = conversation.state()
            slots = tracker["slots"]
            requested = slots.get(s.REQUESTED_SLOT)
            if slots.get(s.TRIAGE) or requested not in kb.answer_slots:
                break
            if len(conversation.turns) - phrasing_turn >= MAX_TURNS:
                record["stuck"] = True
                break
            if requested == CONFIRM_SLOT:
                record["confirm_asked"] = True
                conversation.say("no" if case.is_trap else "yes")
            else:
                conversation.say(DENY)
    except Blocked as error:
        record["error"] = f"blocked: {error}"
    except Exception as error:  # an HTTP error, a timeout, a server gone
        record["error"] = f"{type(error).__name__}: {error}"
        try:
            tracker = conversation.state()
        except Exception:
            pass

    slots = tracker.get("slots") or {}
    record["observed"], record["red_flags"] = observed(slots, kb)
    record["final"] = {
        "triage": slots.get(s.TRIAGE), "requested_slot": slots.get(s.REQUESTED_SLOT),
        "active_loop": (tracker.get("active_loop") or {}).get("name"),
        **{slot: slots.get(slot) for slot in kb.group_slot.values()},
        CONFIRM_SLOT: slots.get(CONFIRM_SLOT), "red_flags": slots.get("red_flags"),
    }
    record["turns"] = len(conversation.turns)
    record["replies"] = conversation.turns
    record["seconds"] = round(time.time() - started, 2)
    rank_observed, rank_expected = kb.rank(record["observed"]), kb.rank(case.expected)
    record["under_triage"] = rank_observed < rank_expected
    record["over_triage"] = rank_observed > rank_expected
    return record


# --------------------------------------------------------------------------- figures
def _rate(count: int, total: int) -> Optional[float]:
    return round(count / total, 4) if total else None


def figures(trials: List[Dict[str, Any]], with_consistency: bool = True) -> Dict[str, Any]:
    """Under-triage (over real red-flag trials), over-triage (over all trials), stuck,
    errors, confirm questions and, unless per position, consistency."""
    real = [t for t in trials if not t["trap"]]
    traps = [t for t in trials if t["trap"]]
    under = sum(t["under_triage"] for t in real)
    over_traps = sum(t["over_triage"] for t in traps)
    over_real = sum(t["over_triage"] for t in real)
    result: Dict[str, Any] = {
        "trials": len(trials), "red_flag_trials": len(real), "trap_trials": len(traps),
        "detected": sum(not t["under_triage"] for t in real),
        "under_triage": {"count": under, "of": len(real), "rate": _rate(under, len(real))},
        "over_triage": {"count": over_traps + over_real, "traps": over_traps, "red_flags_above_expected": over_real,
                        "of": len(trials), "rate": _rate(over_traps + over_real, len(trials))},
        "stuck": sum(t["stuck"] for t in trials),
        "errors": sum(t["error"] is not None for t in trials),
        "confirm_asked": sum(t["confirm_asked"] for t in trials),
    }
    if with_consistency:
        by_case: Dict[str, Dict[str, Any]] = {}
        for t in trials:
            by_case.setdefault(t["case"], {})[t["position"]] = t["observed"] if t["error"] is None else None
        complete = [levels for levels in by_case.values() if len(levels) == len(POSITIONS)]
        consistent = sum(len(set(levels.values())) == 1 and None not in levels.values() for levels in complete)
        result["consistency"] = {"phrasings": len(complete), "consistent": consistent,
                                 "rate": _rate(consistent, len(complete))}
    return result


def summarise(trials: List[Dict[str, Any]], kb: Knowledge) -> Dict[str, Any]:
    def group(key) -> Dict[str, List[Dict[str, Any]]]:
        groups: Dict[str, List[Dict[str, Any]]] = {}
        for t in trials:
            groups.setdefault(key(t), []).append(t)
        return groups

    flag_key = lambda t: TRAPS if t["trap"] else t["red_flag"]  # noqa: E731
    out: Dict[str, Any] = {"all": figures(trials)}
    out["by_position"] = {p: figures(ts, False) for p, ts in sorted(group(lambda t: t["position"]).items(),
                                                                     key=lambda i: POSITIONS.index(i[0]))}
    out["by_split"] = {}
    for split, ts in group(lambda t: t["split"]).items():
        entry = figures(ts)
        entry["by_position"] = {p: figures([t for t in ts if t["position"] == p], False) for p in POSITIONS}
        out["by_split"][split] = entry
    order = [flag["id"] for flag in kb.flags]
    order += sorted({flag_key(t) for t in trials} - set(order) - {TRAPS}) + [TRAPS]
    out["by_red_flag"] = {}
    for key in order:
        ts = [t for t in trials if flag_key(t) == key]
        entry = figures(ts)
        entry["by_position"] = {p: figures([t for t in ts if t["position"] == p], False) for p in POSITIONS}
        entry["by_split"] = {sp: figures([t for t in ts if t["split"] == sp]) for sp in SPLITS}
        out["by_red_flag"][key] = entry
    return out


def failing(trials: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [t for t in trials if t["under_triage"] or t["over_triage"] or t["stuck"] or t["error"]]


def shown_text(trial: Dict[str, Any]) -> str:
    """The trial's text for messages; a frozen test-split text is not shown (module doc)."""
    return trial["text"] if trial["split"] != "test" or SHOW_TEST_TEXTS else "<test split: text not shown>"


def describe(trial: Dict[str, Any]) -> str:
    """One line for a failing trial."""
    text = shown_text(trial)
    flags = ",".join(trial["red_flags"]) or "-"
    notes = [note for note, on in (("stuck", trial["stuck"]), ("confirm asked", trial["confirm_asked"])) if on]
    if trial["error"]:
        notes.append(trial["error"])
    return (f"{trial['case']} [{trial['position']}] expected {trial['expected']}, observed {trial['observed']} "
            f"(flags {flags}; {trial['turns']} turns{'; ' + '; '.join(notes) if notes else ''}): {text!r}")


# --------------------------------------------------------------------------- the run
def git_state() -> Dict[str, Any]:
    def run(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""
    return {"commit": run("rev-parse", "HEAD"), "dirty": bool(run("status", "--porcelain"))}


def ensure_model_loaded(bot: BotServers, index: int = 0, timeout: float = 120) -> None:
    """The Rasa server answers "/" even when its model failed to load (then every message is
    ignored and every tracker read is a 409): wait for /status, else fail with the log's error."""
    deadline = time.time() + timeout
    while True:
        try:
            http("GET", f"{bot.rasa_url(index)}/status?token={bot.token}", timeout=10)
            return
        except Exception as error:  # 409 Conflict: no agent loaded (yet)
            if time.time() > deadline:
                log = bot.rasa_log(index).read_text(errors="replace") if bot.rasa_log(index).exists() else ""
                lines = [line for line in log.splitlines() if "Error" in line]
                raise RuntimeError(f"the Rasa server has no model loaded ({error}); its log "
                                   f"{bot.rasa_log(index)} says:\n" + "\n".join(lines[-8:])) from None
            log = bot.rasa_log(index).read_text(errors="replace") if bot.rasa_log(index).exists() else ""
            if "Could not load model" in log:
                deadline = min(deadline, time.time())  # it will not come: report now
            time.sleep(1)


# With dev_positions="rotate", only one dev phrasing in DEV_PLAY_EVERY is played: the dev split
# grows with every blind batch and the test command has a time budget. The position rotates
# with the phrasing index; the full suite (--split all) plays every phrasing at every position.
DEV_PLAY_EVERY = 8


def positions_of(case: Case, dev_index: int, dev_positions: str) -> Tuple[str, ...]:
    """Every position, but with dev_positions="rotate" a dev phrasing is played once, at a
    position that rotates from phrasing to phrasing, and only one in DEV_PLAY_EVERY at all (the
    test command's budget); the frozen test split is always played at all three."""
    if dev_positions == "all" or case.split != "dev":
        return POSITIONS
    if dev_index % DEV_PLAY_EVERY:
        return ()
    return (POSITIONS[dev_index % len(POSITIONS)],)


def run_suite(bot: Optional[BotServers] = None, split: str = "all", workers: int = 4,
              cases_dir: Path = CASES_DIR, progress: bool = True, rasa_servers: int = 1,
              dev_positions: str = "all") -> Dict[str, Any]:
    """Play every case of the split(s) at every position (dev_positions="rotate": each dev
    phrasing at one); the full report as a dict."""
    kb = load_knowledge()
    cases, problems = load_cases(split, kb, cases_dir)
    started_at = dt.datetime.now(dt.timezone.utc)
    git = git_state()  # the code as the run starts
    started = time.time()
    own_servers = bot is None
    server_seconds = 0.0
    if own_servers:
        workdir = Path(tempfile.mkdtemp(prefix="safety-suite-"))
        bot = BotServers(workdir, stores=False, rasa_servers=rasa_servers).start()
        server_seconds = time.time() - started
    try:
        for index in range(len(bot.rasa_ports)):
            ensure_model_loaded(bot, index)
    except BaseException:
        if own_servers:
            bot.stop()
        raise
    run_id = uuid.uuid4().hex[:8]
    start_payload = start_payload_from_domain()
    dev_index = {id(c): i for i, c in enumerate(c for c in cases if c.split == "dev")}
    jobs = [(case, position) for case in cases
            for position in positions_of(case, dev_index.get(id(case), 0), dev_positions)]
    prefixes = Prefixes(bot, kb, start_payload, run_id)
    trials: List[Dict[str, Any]] = []
    lock = threading.Lock()
    trials_started = time.time()
    try:
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            futures = [pool.submit(run_trial, bot, kb, case, position, run_id, start_payload, prefixes)
                       for case, position in jobs]
            for done, future in enumerate(as_completed(futures), 1):
                with lock:
                    trials.append(future.result())
                if progress and (done % 50 == 0 or done == len(futures)):
                    print(f"safety: {done}/{len(futures)} trials ({time.time() - trials_started:.0f} s)",
                          file=sys.stderr, flush=True)
    finally:
        if own_servers:
            bot.stop()
    trial_seconds = time.time() - trials_started
    order = {(c.id, p): i for i, (c, p) in enumerate(jobs)}
    trials.sort(key=lambda t: order[(t["case"], t["position"])])
    return {
        "started_at": started_at.isoformat(timespec="seconds"),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "split": split, "splits": list(splits_of(split)), "workers": workers,
        "rasa_servers": len(bot.rasa_ports),
        "duration_seconds": {"servers": round(server_seconds, 1), "trials": round(trial_seconds, 1),
                             "total": round(time.time() - started, 1)},
        "model": bot.model.name, "git": git, "knowledge_base_version": kb.version,
        "max_turns": MAX_TURNS, "positions": list(POSITIONS), "dev_positions": dev_positions,
        "gate": dict(LINE),
        "thresholds": {"under_triage": TARGET["max_under_triage"], "max_over_triage_rate": MAX_OVER_TRIAGE_RATE,
                       "min_consistency": MIN_CONSISTENCY, "min_phrasings_per_flag": MIN_PHRASINGS_PER_FLAG,
                       "min_traps": MIN_TRAPS, "stuck": 0},
        "flag_levels": kb.flag_level,
        "case_problems": problems,
        "phrasings": phrasing_counts(cases, kb),
        "figures": summarise(trials, kb),
        "failures": [t["case"] + " " + t["position"] for t in failing(trials)],
        "trials": trials,
    }


def write_report(report: Dict[str, Any], path: Path = REPORT_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _pct(rate: Optional[float]) -> str:
    return "-" if rate is None else f"{100 * rate:.1f}%"


def summary_lines(report: Dict[str, Any], max_failures: int = 40) -> List[str]:
    """Numbers per split and position, then failing dev cases (test cases by id only)."""
    lines = [f"safety suite: {report['split']} split(s), model {report['model']}, {report['workers']} workers, "
             f"{report['duration_seconds']['total']:.0f} s ({report['duration_seconds']['trials']:.0f} s of trials)"]
    head = f"  {'':14} {'trials':>6} {'under':>12} {'over':>12} {'consistent':>11} {'stuck':>5} {'errors':>6} {'confirm':>7}"
    lines.append(head)

    def row(name: str, f: Dict[str, Any]) -> str:
        cons = f.get("consistency")
        cons_text = _pct(cons["rate"]) if cons else ""
        return (f"  {name:14} {f['trials']:>6} {f['under_triage']['count']:>4} {_pct(f['under_triage']['rate']):>7} "
                f"{f['over_triage']['count']:>4} {_pct(f['over_triage']['rate']):>7} {cons_text:>11} "
                f"{f['stuck']:>5} {f['errors']:>6} {f['confirm_asked']:>7}")

    figs = report["figures"]
    for split, f in figs["by_split"].items():
        lines.append(row(split, f))
        for position, pf in f["by_position"].items():
            lines.append(row(f"  {position}", pf))
    lines.append(row("all", figs["all"]))
    for problem in report["case_problems"]:
        lines.append(f"  case file problem: {problem}")
    trials = failing(report["trials"])
    if trials:
        lines.append(f"  {len(trials)} failing trials (under/over-triage, stuck or error); first {max_failures}:")
        lines += ["    " + describe(t) for t in trials[:max_failures]]
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", default="all", choices=["dev", "test", "all"])
    parser.add_argument("--workers", type=int, default=4, help="conversations at a time (default 4)")
    parser.add_argument("--rasa-servers", type=int, default=1,
                        help="Rasa servers to spread the conversations over (default 1)")
    parser.add_argument("--cases", type=Path, default=CASES_DIR, help="folder with the split folders")
    parser.add_argument("--report", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)
    report = run_suite(split=args.split, workers=args.workers, cases_dir=args.cases, rasa_servers=args.rasa_servers)
    path = write_report(report, args.report)
    print("\n".join(summary_lines(report)))
    print(f"report: {path}")
    if args.split == "all" and args.cases == CASES_DIR and args.report == REPORT_PATH:
        from scripts.safety_sheet import write_sheet

        print(f"safety sheet: {write_sheet(report)}")
    f = report["figures"]["all"]
    ok = (f["under_triage"]["count"] == 0 and f["stuck"] == 0 and f["errors"] == 0
          and (f["over_triage"]["rate"] or 0) <= MAX_OVER_TRIAGE_RATE)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
