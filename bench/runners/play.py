"""Play simulated runners ("personas") against the screener over REST and report.

    .venv/bin/python -m bench.runners.play                      # the dev split, 4 at a time
    .venv/bin/python -m bench.runners.play --split all --workers 4 --report reports/runners.md
    .venv/bin/python -m bench.runners.play --only p007 --show   # one dev persona, its transcript
    .venv/bin/python -m bench.runners.play --url http://127.0.0.1:5005 --token T   # running servers

Without --url it starts the action server and a Rasa server on loopback (tests/servers.py,
the stores of endpoints.yml on a fresh SQLite file) with the model scripts/train.py prints
(or --model / SCREENER_MODEL). Each persona (bench/runners/personas/<split>/*.yml, format in
README.md) talks to the bot with a fresh sender id: the opening message, then whatever the
bot asks next, read from the tracker's `requested_slot` (TOPIC_BY_SLOT), until the slot
`triage` is set, the tracker is gone ("result lost") or MAX_TURNS messages were sent
("stuck"). The result slots are compared with the persona's `expected`.

Writes reports/runners.md and reports/runners.json. The dev split is reported in full (with
transcripts in the JSON); the test split (frozen) only by ids, pass/fail and the categories
of mismatch: no persona text from it is ever written or printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.channels.identity import rest_sender  # noqa: E402
from tests.servers import conversation_url, http, rest_headers  # noqa: E402

PERSONAS = ROOT / "bench" / "runners" / "personas"
SPLITS = ("dev", "test")
MAX_TURNS = 60
WELCOME_MARK = "shall we start"
FORM = "screening_form"

# requested_slot -> the persona's answer key. One table: new questions go here.
TOPIC_BY_SLOT: Dict[str, str] = {
    "rf_emergency": "rf_emergency",
    "rf_urgent_care": "rf_urgent_care",
    "rf_see_clinician": "rf_see_clinician",
    "rf_confirm": "red_flag_confirm",
    "pain_areas": "pain_areas",
    "pain_areas_more": "pain_areas",  # "anything else hurt?" after a place said in passing
    "pain_side": "pain_side",
    "pain_timing": "pain_timing",
    "pain_severity": "pain_severity",
    "running_effort": "running_effort",
    "injuries": "injuries",
    "injury_recurring": "injury_recurring",
    "sitting_hours": "sitting_hours",
    "gait_signs": "gait_signs",
    "activation_choice": "squeeze_do",
    "activation_report": "squeeze_report",
    "activation_harder_side": "squeeze_side",
    "activation_felt_where": "squeeze_where",
    "balance_choice": "balance_do",
    "balance_report": "balance_report",
    "balance_problem_side": "balance_side",
    "balance_hip_pain": "balance_hip_pain",
    "donkey_choice": "donkey_do",
    "donkey_report": "donkey_report",
    "donkey_faults": "donkey_faults",
    "donkey_reps_left": "donkey_reps_left",
    "donkey_reps_right": "donkey_reps_right",
    "store_consent": "store_consent",
}
WELCOME = "welcome"
FALLBACK = "fallback"
OPENING = "opening"
TOPICS = (OPENING, WELCOME) + tuple(dict.fromkeys(TOPIC_BY_SLOT.values())) + (FALLBACK,)

RED_FLAG_LEVELS = ("emergency", "urgent_care", "see_clinician")
TRIAGES = RED_FLAG_LEVELS + ("gait_analysis", "self_care")

# Which answers a result depends on: where to look when it is wrong.
SOURCE_SLOTS: Dict[str, Tuple[str, ...]] = {
    "pain_in_linked_area": ("pain_areas", "pain_timing"),
    "running_feels_harder": ("running_effort",),
    "injury_history": ("injuries", "injury_recurring"),
    "prolonged_sitting": ("sitting_hours",),
    "activation_asymmetry": ("activation_choice", "activation_report", "activation_harder_side"),
    "activation_compensation": ("activation_choice", "activation_report", "activation_felt_where"),
    "single_leg_instability": ("balance_choice", "balance_report", "balance_problem_side", "balance_faults"),
    "lateral_hip_pain_on_balance": ("balance_choice", "balance_report", "balance_hip_pain"),
    "donkey_kick_compensation": ("donkey_choice", "donkey_report", "donkey_faults", "donkey_reps_left",
                                 "donkey_reps_right"),
    **{sign: ("gait_signs",) for sign in ("overstriding", "low_knee_drive", "anterior_pelvic_tilt",
                                          "pelvic_drop", "crossover", "forward_lean")},
}
RED_FLAG_SOURCES = ("rf_emergency", "rf_urgent_care", "rf_see_clinician", "rf_confirm", "pain_severity",
                    "pain_timing", "pain_areas")
# Slots not worth tracing turn by turn.
UNTRACED = {"screen_summary", "requested_slot", "clinic_name", "clinic_phone", "clinic_email", "booking_url",
            "emergency_number", "urgent_care_place", "retention_days"}

# The result headlines (clinic/screening_rules.yml `results:`), to say which result a runner
# was shown when the conversation was deleted before its slots could be read. Diagnostic only.
SHOWN_RESULT = (
    ("emergency", "now. stop here and get help first"),
    ("urgent_care", "please get checked today"),
    ("see_clinician", "please see a clinician in the next few days"),
    ("gait_analysis", "gait analysis is a good next step"),
    ("gait_analysis", "we strongly suggest a gait analysis"),
    ("self_care", "nothing in your answers points to a glute problem"),
    ("stopped", "i've stopped the screen"),
)

# Categories of mismatch (the only thing reported about a test persona).
CATEGORIES = ("stuck", "result lost", "error", "triage", "red_flags", "findings", "pain_areas")


# ---------------------------------------------------------------------------------------- personas
@dataclass
class Persona:
    id: str
    split: str
    path: Path
    style: str
    answers: Dict[str, str]
    interjections: List[Tuple[str, str]]
    corrections: List[Tuple[str, str]]
    expected: Dict[str, Any]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _pairs(items: Any, key: str) -> List[Tuple[str, str]]:
    pairs = []
    for item in items or []:
        if isinstance(item, dict) and item.get(key) is not None:
            pairs.append((str(item[key]).strip(), _text(item.get("say"))))
        else:
            raise ValueError(f"an entry of {'interjections' if key == 'before' else 'corrections'} "
                             f"has no '{key}'")
    return pairs


def parse_persona(path: Path, split: str) -> Persona:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a mapping")
    answers = data.get("answers")
    if not isinstance(answers, dict) or OPENING not in answers:
        raise ValueError("no answers.opening")
    expected = data.get("expected")
    if not isinstance(expected, dict) or expected.get("triage") not in TRIAGES:
        raise ValueError("expected.triage missing or not a triage level")
    for key in ("findings", "pain_areas", "red_flags"):
        if expected.get(key) is not None and not isinstance(expected[key], list):
            raise ValueError(f"expected.{key} is not a list")
    return Persona(
        id=str(data.get("id") or path.stem), split=split, path=path, style=_text(data.get("style")),
        answers={str(k): _text(v) for k, v in answers.items()},
        interjections=_pairs(data.get("interjections"), "before"),
        corrections=_pairs(data.get("corrections"), "after"),
        expected={"triage": expected["triage"], "red_flags": list(expected.get("red_flags") or []),
                  "findings": expected.get("findings"), "pain_areas": expected.get("pain_areas")})


def load_personas(split: str, root: Path = PERSONAS) -> Tuple[List[Persona], List[str]]:
    """The split's personas, sorted by file name, and the files that could not be used.
    Problems name the file and the kind of problem only (never its text: test is frozen)."""
    personas, problems = [], []
    for path in sorted((root / split).glob("*.yml")):
        try:
            personas.append(parse_persona(path, split))
        except yaml.YAMLError:
            problems.append(f"{path.name}: not valid YAML")
        except (ValueError, TypeError, AttributeError) as error:
            problems.append(f"{path.name}: {error}")
    return personas, problems


# ---------------------------------------------------------------------------------------- the bot
class RestBot:
    """The REST channel and the token-protected tracker of one Rasa server (or nginx)."""

    def __init__(self, url: str, token: str, timeout: float = 90):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def say(self, sender: str, message: str) -> List[Dict[str, Any]]:
        return http("POST", f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message},
                    timeout=self.timeout, headers=rest_headers()) or []

    def tracker(self, sender: str) -> Dict[str, Any]:
        """The REST sender's conversation, stored as `rest:<sender>` (bot/channels/identity.py)."""
        query = urllib.parse.urlencode({"token": self.token, "include_events": "ALL"})
        return http("GET", f"{conversation_url(self.url, rest_sender(sender))}/tracker?{query}",
                    timeout=self.timeout)


# ---------------------------------------------------------------------------------------- one screen
@dataclass
class Turn:
    n: int
    kind: str  # opening | answer | repeat | fallback | interjection | correction
    topic: str
    asked: Optional[str]  # requested_slot when the message was sent
    sent: str
    bot: str
    now_asking: Optional[str]
    changed: Dict[str, Any]
    reask: bool = False


@dataclass
class Outcome:
    persona: Persona
    sender: str
    turns: List[Turn] = field(default_factory=list)
    finished: bool = False
    stuck: bool = False
    lost: bool = False
    error: Optional[str] = None
    slots: Dict[str, Any] = field(default_factory=dict)
    reasked: Counter = field(default_factory=Counter)
    unsent: List[str] = field(default_factory=list)
    missing_answers: List[str] = field(default_factory=list)
    seconds: float = 0.0
    mismatches: List[Dict[str, Any]] = field(default_factory=list)

    @property
    def shown(self) -> Optional[str]:
        """The result the last reply showed (by its headline), e.g. for a lost result."""
        text = (self.turns[-1].bot if self.turns else "").lower()
        return next((level for level, mark in SHOWN_RESULT if mark in text), None)

    @property
    def reasks(self) -> int:
        return sum(self.reasked.values())

    @property
    def observed_triage(self) -> Optional[str]:
        return self.slots.get("triage") if self.finished and not self.lost else None

    @property
    def categories(self) -> List[str]:
        return sorted({m["category"] for m in self.mismatches}, key=CATEGORIES.index)

    @property
    def correct(self) -> bool:
        return self.finished and not self.lost and not self.error and not self.mismatches

    @property
    def triage_correct(self) -> bool:
        return self.observed_triage == self.persona.expected["triage"]


def _user_events(tracker: Dict[str, Any]) -> int:
    return sum(1 for e in tracker.get("events") or [] if e.get("event") == "user")


def choose_topic(tracker: Dict[str, Any], last: Sequence[Dict[str, Any]]) -> Tuple[str, Optional[str]]:
    """The persona's answer key for what the bot is asking now, and the slot it asks for."""
    slots = tracker.get("slots") or {}
    requested = slots.get("requested_slot")
    form_active = (tracker.get("active_loop") or {}).get("name") == FORM
    if not form_active and any(WELCOME_MARK in (m.get("text") or "").lower() for m in last):
        return WELCOME, None
    return TOPIC_BY_SLOT.get(requested or "", FALLBACK), requested


def play(bot: RestBot, persona: Persona, max_turns: int = MAX_TURNS) -> Outcome:
    """Play one persona from its opening message to the result (or stuck / lost)."""
    outcome = Outcome(persona, sender=f"persona-{persona.id}-{uuid.uuid4().hex[:8]}")
    started = time.time()
    before = {topic: [say for t, say in persona.interjections if t == topic] for topic in TOPICS}
    after = {topic: [say for t, say in persona.corrections if t == topic] for topic in TOPICS}
    asks: Counter = Counter()
    state: Dict[str, Any] = {"tracker": {"slots": {}}, "last": [], "seen": 0}

    def answer(topic: str) -> str:
        if topic in persona.answers:
            return persona.answers[topic]
        if topic not in outcome.missing_answers:
            outcome.missing_answers.append(topic)
        return persona.answers.get(FALLBACK) or "not sure"

    def send(kind: str, topic: str, message: str) -> Turn:
        old_slots = state["tracker"].get("slots") or {}
        asked = old_slots.get("requested_slot")
        last = bot.say(outcome.sender, message)
        tracker = bot.tracker(outcome.sender)  # a deleted conversation reads back empty, not as an error
        sent = len(outcome.turns) + 1
        seen = _user_events(tracker)
        if seen == 0 or seen < state["seen"]:
            outcome.lost = True  # the conversation was deleted under the runner
            tracker = {"slots": {}, "events": []}
        state["seen"] = seen
        new_slots = tracker.get("slots") or {}
        changed = {k: v for k, v in new_slots.items()
                   if k not in UNTRACED and v != old_slots.get(k) and not outcome.lost}
        turn = Turn(sent, kind, topic, asked, message, "\n".join(m.get("text") or "" for m in last),
                    new_slots.get("requested_slot"), changed)
        outcome.turns.append(turn)
        state["tracker"], state["last"] = tracker, last
        if not outcome.lost:
            outcome.slots = new_slots
            outcome.finished = bool(new_slots.get("triage"))
        return turn

    def done() -> bool:
        return outcome.finished or outcome.lost

    def correct_in_passing(turn: Turn) -> None:
        """A correction of a topic the bot took from an earlier answer, never asking it
        ("10 each" filled both rep counts): said right after that answer, as the runner would."""
        for slot in list(turn.changed):
            topic = TOPIC_BY_SLOT.get(slot)
            if topic and asks[topic] == 0 and topic != turn.topic:
                while after.get(topic) and not done():
                    send("correction", topic, after[topic].pop(0))

    try:
        for message in before[OPENING]:
            send("interjection", OPENING, message)
        opening = send("opening", OPENING, answer(OPENING))
        for message in after[OPENING]:
            if not outcome.lost:
                send("correction", OPENING, message)
        correct_in_passing(opening)
        while not done():
            if len(outcome.turns) >= max_turns:
                outcome.stuck = True
                break
            topic, slot = choose_topic(state["tracker"], state["last"])
            if before.get(topic) and asks[topic] == 0:
                send("interjection", topic, before[topic].pop(0))
                continue
            asks[topic] += 1
            if topic == FALLBACK:
                kind, message = "fallback", answer(FALLBACK)
            elif asks[topic] >= 3:
                kind, message = "fallback", answer(FALLBACK)
            else:
                kind, message = ("answer" if asks[topic] == 1 else "repeat"), answer(topic)
            turn = send(kind, topic, message)
            if not done():
                now_topic, now_slot = choose_topic(state["tracker"], state["last"])
                key_before = slot or (WELCOME if topic == WELCOME else None)
                key_after = now_slot or (WELCOME if now_topic == WELCOME else None)
                if key_before and key_before == key_after:
                    turn.reask = True
                    outcome.reasked[topic] += 1
            if asks[topic] == 1:
                while after.get(topic) and not outcome.lost:
                    send("correction", topic, after[topic].pop(0))
            if not done():
                correct_in_passing(turn)
    except Exception as error:  # a server error or timeout: reported, never raised
        outcome.error = f"{type(error).__name__}: {error}"[:300]
    outcome.unsent = ([f"before {t}" for t, items in before.items() for _ in items]
                      + [f"after {t}" for t, items in after.items() for _ in items])
    outcome.seconds = time.time() - started
    outcome.mismatches = judge(outcome)
    return outcome


# ---------------------------------------------------------------------------------------- judging
def _set(value: Any) -> set:
    if value is None:
        return set()
    if isinstance(value, (list, tuple, set)):
        return {str(v) for v in value}
    return {str(value)}


def _sources(outcome: Outcome, slots: Iterable[str]) -> List[str]:
    """Where each of these slots got its value: 'pain_timing=[...] at turn 7 (answer to pain_timing)'."""
    notes = []
    for slot in dict.fromkeys(slots):
        setting = [t for t in outcome.turns if slot in t.changed]
        if setting:
            t = setting[-1]
            notes.append(f"{slot}={json.dumps(t.changed[slot])} at turn {t.n} ({t.kind} {t.topic})")
        elif slot in TOPIC_BY_SLOT and any(t.asked == slot for t in outcome.turns):
            notes.append(f"{slot} asked, never set")
        elif slot in ("rf_confirm", "activation_report", "balance_report", "donkey_report", "balance_faults"):
            continue  # optional questions: only worth naming when they were set
        else:
            notes.append(f"{slot} never asked")
    return notes


def judge(outcome: Outcome) -> List[Dict[str, Any]]:
    """What differs from the persona's expected result: [{category, detail, where}]."""
    expected, slots = outcome.persona.expected, outcome.slots
    found: List[Dict[str, Any]] = []
    if outcome.error:
        found.append({"category": "error", "detail": outcome.error, "where": []})
    if outcome.stuck:
        reasked = [t for t in outcome.turns if t.reask]
        found.append({"category": "stuck", "detail": f"no result after {len(outcome.turns)} messages",
                      "where": [f"turn {t.n}: {t.asked} re-asked" for t in reasked[-3:]]})
    if outcome.lost:
        found.append({"category": "result lost", "detail": f"tracker gone after turn {len(outcome.turns)}",
                      "where": []})
    if found:
        return found
    if not outcome.finished:
        return [{"category": "error", "detail": "ended without a result", "where": []}]
    if slots.get("triage") != expected["triage"]:
        found.append({"category": "triage", "detail": f"expected {expected['triage']}, got {slots.get('triage')}",
                      "where": _sources(outcome, RED_FLAG_SOURCES)
                      if expected["triage"] in RED_FLAG_LEVELS or slots.get("triage") in RED_FLAG_LEVELS else []})
    missing_flags = _set(expected["red_flags"]) - _set(slots.get("red_flags"))
    if missing_flags:
        found.append({"category": "red_flags", "detail": f"missing {sorted(missing_flags)}, got "
                                                         f"{sorted(_set(slots.get('red_flags')))}",
                      "where": _sources(outcome, RED_FLAG_SOURCES)})
    if expected["findings"] is not None:
        want, got = _set(expected["findings"]), _set(slots.get("findings"))
        if want != got:
            detail = "; ".join(part for part in (
                f"missing {sorted(want - got)}" if want - got else "",
                f"extra {sorted(got - want)}" if got - want else "") if part)
            where = _sources(outcome, [s for f in sorted(want ^ got) for s in SOURCE_SLOTS.get(f, ())])
            found.append({"category": "findings", "detail": detail, "missing": sorted(want - got),
                          "extra": sorted(got - want), "where": where})
    if expected["pain_areas"] is not None:
        want, got = _set(expected["pain_areas"]), _set(slots.get("pain_areas"))
        if want != got:
            found.append({"category": "pain_areas", "detail": f"expected {sorted(want)}, got {sorted(got)}",
                          "where": _sources(outcome, ["pain_areas"])})
    return found


# ---------------------------------------------------------------------------------------- running
def play_all(bot: RestBot, personas: Sequence[Persona], workers: int = 4,
             progress: Optional[Callable[[Outcome], None]] = None) -> Tuple[List[Outcome], float]:
    """Every persona, `workers` at a time; the outcomes in the personas' order and the wall time."""
    started = time.time()
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    try:
        futures = [pool.submit(play, bot, persona) for persona in personas]
        outcomes = []
        for future in futures:
            outcomes.append(future.result())
            if progress:
                progress(outcomes[-1])
    except BaseException:  # Ctrl-C: drop the personas not started yet
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return outcomes, time.time() - started


def _pct(part: int, whole: int) -> Optional[float]:
    return round(100.0 * part / whole, 1) if whole else None


def metrics(outcomes: Sequence[Outcome]) -> Dict[str, Any]:
    n = len(outcomes)
    red = [o for o in outcomes if o.persona.expected["triage"] in RED_FLAG_LEVELS or o.persona.expected["red_flags"]]
    turns = [len(o.turns) for o in outcomes]
    reasks = [o.reasks for o in outcomes]
    categories = Counter(c for o in outcomes for c in o.categories)
    return {
        "personas": n,
        "fully_correct": sum(o.correct for o in outcomes),
        "fully_correct_pct": _pct(sum(o.correct for o in outcomes), n),
        "triage_correct_pct": _pct(sum(o.triage_correct for o in outcomes), n),
        "red_flag_personas": len(red),
        "red_flag_triage_correct_pct": _pct(sum(o.triage_correct for o in red), len(red)),
        "stuck": sum(o.stuck for o in outcomes),
        "result_lost": sum(o.lost for o in outcomes),
        "result_lost_shown_triage_correct": sum(o.lost and o.shown == o.persona.expected["triage"] for o in outcomes),
        "errors": sum(bool(o.error) for o in outcomes),
        "turns_median": statistics.median(turns) if turns else None,
        "turns_max": max(turns) if turns else None,
        "reasks_median": statistics.median(reasks) if reasks else None,
        "reasks_max": max(reasks) if reasks else None,
        "mismatch_categories": dict(categories),
    }


def full_record(outcome: Outcome) -> Dict[str, Any]:
    """Everything about a dev persona's screen (dev only: it contains the persona's texts)."""
    p = outcome.persona
    return {
        "id": p.id, "file": p.path.name, "style": p.style, "sender": outcome.sender, "pass": outcome.correct,
        "categories": outcome.categories, "mismatches": outcome.mismatches, "expected": p.expected,
        "observed": {k: outcome.slots.get(k) for k in ("triage", "red_flags", "findings", "pain_areas")}
        if not outcome.lost else None,
        "turns": len(outcome.turns), "reasks": outcome.reasks, "reasked_topics": dict(outcome.reasked),
        "stuck": outcome.stuck, "lost": outcome.lost, "shown_before_lost": outcome.shown if outcome.lost else None,
        "error": outcome.error, "unsent": outcome.unsent,
        "missing_answers": outcome.missing_answers, "seconds": round(outcome.seconds, 1),
        "transcript": [t.__dict__ for t in outcome.turns],
    }


def frozen_record(outcome: Outcome) -> Dict[str, Any]:
    """All that is reported about a test persona: id, pass/fail, categories of mismatch."""
    return {"id": outcome.persona.id, "pass": outcome.correct, "categories": outcome.categories}


def failure_line(outcome: Outcome) -> str:
    """One line on what differed, without the persona's texts (for the test gate)."""
    parts = [f"{m['category']}: {m['detail']}" if m["category"] in ("triage", "findings", "pain_areas", "red_flags",
                                                                     "stuck") else m["category"]
             for m in outcome.mismatches]
    return f"{outcome.persona.id}: " + "; ".join(parts)


# ---------------------------------------------------------------------------------------- reports
def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _metrics_table(results: Dict[str, Dict[str, Any]]) -> List[str]:
    splits = list(results)
    rows = [
        ("personas", "personas"), ("fully correct %", "fully_correct_pct"), ("triage correct %", "triage_correct_pct"),
        ("red-flag personas", "red_flag_personas"), ("triage correct on red-flag personas %",
                                                      "red_flag_triage_correct_pct"),
        ("stuck screens", "stuck"), ("result lost", "result_lost"),
        ("result lost, but the triage shown was right", "result_lost_shown_triage_correct"), ("errors", "errors"),
        ("turns median", "turns_median"), ("turns max", "turns_max"),
        ("re-asks per screen median", "reasks_median"), ("re-asks per screen max", "reasks_max"),
    ]
    lines = ["| metric | " + " | ".join(splits) + " |", "|---|" + "---|" * len(splits)]
    for label, key in rows:
        lines.append(f"| {label} | " + " | ".join(_fmt(results[s]["metrics"][key]) for s in splits) + " |")
    lines.append("| time (s) | " + " | ".join(f"{results[s]['seconds']:.0f}" for s in splits) + " |")
    return lines


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_reports(results: Dict[str, Dict[str, Any]], report: Path, info: Dict[str, Any]) -> None:
    report.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Simulated runners (personas)", "",
             f"Generated {info['generated']} on model `{info['model']}` (commit {info['commit']}), "
             f"{info['workers']} personas at a time, at most {MAX_TURNS} messages a screen. "
             "Made by `python -m bench.runners.play` (bench/runners/README.md).", "",
             "A failing persona is fixed in the product, never by editing the persona. "
             "The test split is frozen: only its ids, pass/fail and mismatch categories are reported.", ""]
    lines += _metrics_table(results)
    for split, result in results.items():
        if result["problems"]:
            lines += ["", f"Unusable {split} persona files (not played): " + ", ".join(result["problems"])]
    if "dev" in results:
        outcomes: List[Outcome] = results["dev"]["outcomes"]
        lines += ["", "## dev: every persona", "",
                  "| id | style | expected | observed | findings missing | findings extra | pain areas "
                  "(expected / observed) | turns | re-asks | re-asked topics |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for o in outcomes:
            e = o.persona.expected
            observed = f"LOST (showed {o.shown or '?'})" if o.lost else ("STUCK" if o.stuck else ("ERROR" if o.error else o.observed_triage))
            fm = next((m for m in o.mismatches if m["category"] == "findings"), {})
            pa_obs = "-" if o.lost else ",".join(sorted(_set(o.slots.get("pain_areas"))))
            pa_exp = "n/a" if e["pain_areas"] is None else ",".join(sorted(e["pain_areas"])) or "[]"
            ok = "" if o.correct else " ✗"
            lines.append(
                f"| {o.persona.id}{ok} | {_cell(o.persona.style)} | {e['triage']} | {observed} | "
                f"{', '.join(fm.get('missing', []))} | {', '.join(fm.get('extra', []))} | "
                f"{pa_exp} / {pa_obs or '[]'} | {len(o.turns)} | {o.reasks} | "
                f"{', '.join(f'{t}×{n}' for t, n in o.reasked.most_common())} |")
        by_category: Dict[str, List[str]] = {}
        for o in outcomes:
            for c in o.categories:
                by_category.setdefault(c, []).append(o.persona.id)
        lines += ["", "## dev: failures by category", ""]
        for c, ids in sorted(by_category.items(), key=lambda item: -len(item[1])):
            lines.append(f"- **{c}** ({len(ids)}): {', '.join(ids)}")
        finding_counts = Counter()
        for o in outcomes:
            for m in o.mismatches:
                if m["category"] == "findings":
                    finding_counts.update(f"missing {f}" for f in m["missing"])
                    finding_counts.update(f"extra {f}" for f in m["extra"])
        if finding_counts:
            lines += ["", "Findings that differ most: " + ", ".join(f"{k} ({n})" for k, n in finding_counts.most_common())]
        reask_topics = Counter()
        for o in outcomes:
            reask_topics.update(o.reasked)
        if reask_topics:
            lines += ["", "Topics re-asked most (re-asks over all dev screens): "
                      + ", ".join(f"{t} ({n})" for t, n in reask_topics.most_common())]
        lines += ["", "## dev: where each failing screen went wrong", ""]
        for o in outcomes:
            if o.correct:
                continue
            lines.append(f"### {o.persona.id}")
            for m in o.mismatches:
                lines.append(f"- {m['category']}: {_cell(m['detail'])}")
                for w in m.get("where", []):
                    lines.append(f"  - {_cell(w)}")
            for t in o.turns:
                if t.reask:
                    lines.append(f"  - turn {t.n}: re-asked {t.asked} after {_cell(t.sent[:80])!r}")
            if o.missing_answers:
                lines.append(f"- persona has no answer for: {', '.join(o.missing_answers)}")
            if o.unsent:
                lines.append(f"- never sent (question not asked): {', '.join(o.unsent)}")
            lines.append("")
    if "test" in results:
        outcomes = results["test"]["outcomes"]
        lines += ["", "## test (frozen): ids, pass/fail, mismatch categories", "", "| id | result | categories |",
                  "|---|---|---|"]
        for o in outcomes:
            lines.append(f"| {o.persona.id} | {'pass' if o.correct else 'FAIL'} | {', '.join(o.categories)} |")
    report.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = {"info": info, "max_turns": MAX_TURNS, "splits": {}}
    for split, result in results.items():
        record = full_record if split == "dev" else frozen_record
        data["splits"][split] = {"metrics": result["metrics"], "seconds": round(result["seconds"], 1),
                                 "problems": result["problems"],
                                 "personas": [record(o) for o in result["outcomes"]]}
    report.with_suffix(".json").write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")


def show(outcome: Outcome) -> str:
    """A dev persona's transcript, turn by turn (never used on test personas)."""
    lines = [f"== {outcome.persona.id} ({outcome.persona.style}) expected {outcome.persona.expected}"]
    for t in outcome.turns:
        lines.append(f"[{t.n}] {t.kind} {t.topic} (asked {t.asked}){' RE-ASKED' if t.reask else ''}")
        lines.append(f"  > {t.sent}")
        lines += [f"  < {line}" for line in t.bot.splitlines() if line.strip()][:6]
        if t.changed:
            lines.append(f"  = {json.dumps(t.changed)}")
    lines.append(f"-> {'PASS' if outcome.correct else 'FAIL'} {outcome.mismatches}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------- CLI
def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip() or "?"
    except OSError:
        return "?"


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--report", type=Path, default=ROOT / "reports" / "runners.md")
    parser.add_argument("--model", type=Path, help="model to serve (default: the one scripts/train.py prints)")
    parser.add_argument("--url", help="use running servers (Rasa server URL) instead of starting them")
    parser.add_argument("--token", default="e2e-test-token", help="the Rasa HTTP API token (with --url)")
    parser.add_argument("--personas", type=Path, default=PERSONAS, help="the folder holding dev/ and test/")
    parser.add_argument("--only", nargs="*", help="dev persona ids to play (no report written)")
    parser.add_argument("--show", action="store_true", help="print dev transcripts (with --only)")
    args = parser.parse_args(argv)

    splits = SPLITS if args.split == "all" else (args.split,)
    if args.only:
        splits = ("dev",)
    loaded = {split: load_personas(split, args.personas) for split in splits}
    if args.only:
        wanted = set(args.only)
        loaded["dev"] = ([p for p in loaded["dev"][0] if p.id in wanted or p.path.stem in wanted], loaded["dev"][1])
    for split, (personas, problems) in loaded.items():
        print(f"{split}: {len(personas)} personas" + (f", {len(problems)} unusable: {problems}" if problems else ""),
              file=sys.stderr)

    servers = None
    if args.url:
        bot, model = RestBot(args.url, args.token), f"(running server {args.url})"
    else:
        from tests.servers import BotServers

        workdir = Path(tempfile.mkdtemp(prefix="runners-"))
        print(f"starting the servers (logs in {workdir})", file=sys.stderr)
        servers = BotServers(workdir, model=args.model).start()
        bot, model = RestBot(servers.url, servers.token), servers.model.name
    try:
        probe = f"probe-{uuid.uuid4().hex[:8]}"
        if not bot.say(probe, "hi"):
            raise RuntimeError("the bot does not answer 'hi'")
    except Exception as error:
        log = (servers.rasa_log().read_text()[-2500:] if servers else "")
        if servers:
            servers.stop()
        print(f"the bot is not working: {error}\n{log}", file=sys.stderr)
        return 2
    results: Dict[str, Dict[str, Any]] = {}
    try:
        for split, (personas, problems) in loaded.items():
            def progress(o: Outcome, split=split) -> None:
                mark = "ok" if o.correct else "FAIL " + ",".join(o.categories)
                print(f"  {split} {o.persona.id}: {mark} ({len(o.turns)} turns, {o.seconds:.0f} s)", file=sys.stderr)

            outcomes, seconds = play_all(bot, personas, args.workers, progress)
            results[split] = {"outcomes": outcomes, "seconds": seconds, "problems": problems,
                              "metrics": metrics(outcomes)}
            print(f"{split}: {json.dumps(results[split]['metrics'])} in {seconds:.0f} s", file=sys.stderr)
    finally:
        if servers:
            servers.stop()
    if args.only:
        if args.show:
            for o in results["dev"]["outcomes"]:
                print(show(o))
        return 0
    info = {"generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "model": model,
            "commit": _commit(), "workers": args.workers}
    write_reports(results, args.report, info)
    print("\n".join(_metrics_table(results)))
    print(f"wrote {args.report} and {args.report.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
