"""Load and validate the clinic's screening knowledge base (clinic/screening_rules.yml).

Everything clinical lives in that YAML file; this module turns it into typed objects and
refuses a file with mistakes, listing every problem (file, rule id, what is wrong) at once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import yaml

from . import vocabulary as v
from .conditions import check_condition
from .wording import ANSWER_PLACEHOLDERS, FINDING_PLACEHOLDERS, TEXT_PLACEHOLDERS, placeholders_in

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO_ROOT / "clinic" / "screening_rules.yml"
ENV_VAR = "SCREENING_RULES"

LEVEL_RANK = {level: rank for rank, level in enumerate(v.TRIAGE_LEVELS)}  # 0 = most urgent

TOP_KEYS = {"version", "policy", "sources", "glutes", "red_flag_groups", "findings", "strength",
            "self_checks", "triage", "messages"}
POLICY_KEYS = {"unsure_counts_as_yes", "findings_shown"}
GLUTE_KEYS = {"name", "job"}
GROUP_KEYS = {"level", "prompt", "flags"}
RED_FLAG_REQUIRED = {"id", "label", "question", "advice", "sources"}
RED_FLAG_OPTIONAL = {"also_when", "clinician_note", "past_counts"}
FINDING_REQUIRED = {"id", "title", "weight", "refers", "when", "glute", "glute_job", "explanation", "sources"}
FINDING_OPTIONAL = {"self_check", "injuries", "injuries_by_area", "clinician_note"}
STRENGTH_REQUIRED = {"id", "when", "explanation", "sources"}
SELF_CHECKS_REQUIRED = {"offer_when", "not_allowed_reason", "red_flag_reason", "sources"}
TRIAGE_COMMON = {"headline", "advice", "safety_net", "sources"}
TRIAGE_REQUIRED = {
    "emergency": TRIAGE_COMMON, "urgent_care": TRIAGE_COMMON, "see_clinician": TRIAGE_COMMON,
    "gait_analysis": TRIAGE_COMMON | {"strong_headline", "what_gait_analysis_looks_at", "how_to_book"},
    "self_care": TRIAGE_COMMON | {"keep_doing", "come_back", "pain_headline", "pain_advice"},
}
TRIAGE_OPTIONAL = {"self_care": {"sitting_advice"}}
MESSAGE_KEYS = {"not_diagnosis", "contact", "findings_intro", "finding_glute", "finding_links",
                "more_findings"}
# Messages that are filled per finding, or with the names of the findings not shown in full.
MESSAGE_PLACEHOLDERS = {
    "finding_glute": FINDING_PLACEHOLDERS,
    "finding_links": FINDING_PLACEHOLDERS,
    "more_findings": TEXT_PLACEHOLDERS + ("others",),
}


class KnowledgeBaseError(ValueError):
    """The knowledge base file is missing, unreadable or has mistakes (one per line)."""

    def __init__(self, path: Union[str, Path], errors: List[str]):
        self.path = str(path)
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class RedFlag:
    id: str
    level: str
    label: str
    question: str
    advice: str
    sources: List[str]
    also_when: Optional[Dict[str, Any]] = None
    clinician_note: Optional[str] = None
    # True: an episode that is over still counts (a history). False: one the runner tells as
    # over ("years ago, cleared up") is asked about: is it happening now?
    past_counts: bool = False


@dataclass
class RedFlagGroup:
    level: str
    prompt: str
    flags: List[RedFlag]


@dataclass
class Finding:
    id: str
    title: str
    weight: float
    refers: bool
    when: Dict[str, Any]
    glute: List[str]
    glute_job: str
    explanation: str
    sources: List[str]
    self_check: bool = False
    injuries: List[str] = field(default_factory=list)
    injuries_by_area: Dict[str, List[str]] = field(default_factory=dict)
    clinician_note: Optional[str] = None


@dataclass
class StrengthRule:
    id: str
    when: Dict[str, Any]
    explanation: str
    sources: List[str]


@dataclass
class SelfCheckPolicy:
    offer_when: Dict[str, Any]
    not_allowed_reason: str
    red_flag_reason: str
    sources: List[str]


@dataclass
class TriageText:
    level: str
    texts: Dict[str, str]
    sources: List[str]

    def __getattr__(self, name):  # headline, advice, safety_net, ...
        texts = self.__dict__.get("texts", {})
        if name in texts:
            return texts[name]
        raise AttributeError(name)


@dataclass
class KnowledgeBase:
    path: str
    version: str
    unsure_counts_as_yes: bool
    findings_shown: int
    sources: Dict[str, str]
    glutes: Dict[str, Dict[str, str]]
    red_flag_groups: List[RedFlagGroup]
    findings: List[Finding]
    strength: List[StrengthRule]
    self_checks: SelfCheckPolicy
    triage: Dict[str, TriageText]
    messages: Dict[str, str]

    @property
    def red_flags(self) -> List[RedFlag]:
        return [flag for group in self.red_flag_groups for flag in group.flags]

    def red_flag(self, flag_id: str) -> RedFlag:
        for flag in self.red_flags:
            if flag.id == flag_id:
                return flag
        raise KeyError(f"unknown red flag '{flag_id}'")

    def finding(self, finding_id: str) -> Finding:
        for finding in self.findings:
            if finding.id == finding_id:
                return finding
        raise KeyError(f"unknown finding '{finding_id}'")

    def glute_names(self, glute_ids: List[str]) -> List[str]:
        return [self.glutes[g]["name"] for g in glute_ids]


# --------------------------------------------------------------------------- loading

_cache: Dict[Tuple[str, int], KnowledgeBase] = {}


def resolve_path(path: Optional[Union[str, Path]] = None) -> Path:
    if path is None:
        path = os.environ.get(ENV_VAR) or DEFAULT_PATH
    return Path(path)


def load_knowledge_base(path: Optional[Union[str, Path]] = None) -> KnowledgeBase:
    """Load and validate the knowledge base; raises KnowledgeBaseError listing every problem.

    Default file: <repo>/clinic/screening_rules.yml, or $SCREENING_RULES. The result is cached
    per file and reloaded automatically when the file changes on disk.
    """
    p = resolve_path(path)
    try:
        stamp = p.stat().st_mtime_ns
    except OSError as exc:
        raise KnowledgeBaseError(p, [f"{p}: cannot read the knowledge base ({exc.strerror})"]) from None
    key = (str(p.resolve()), stamp)
    if key not in _cache:
        _cache.clear()  # keep only the live version
        _cache[key] = parse_knowledge_base(p.read_text(encoding="utf-8"), name=str(p))
    return _cache[key]


def parse_knowledge_base(text: str, name: str = "<knowledge base>") -> KnowledgeBase:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise KnowledgeBaseError(name, [f"{name}: not valid YAML: {exc}"]) from None
    return knowledge_base_from_data(data, name)


def knowledge_base_from_data(data: Any, name: str = "<knowledge base>") -> KnowledgeBase:
    """Validate already-parsed knowledge base data (raises KnowledgeBaseError)."""
    loader = _Loader(name)
    try:
        kb = loader.build(data)
    except (TypeError, AttributeError, ValueError, KeyError) as exc:  # a shape no check foresaw
        loader.error("structure", f"could not finish checking ({exc!r}); "
                                  "fix the problems listed above, or compare with the shipped file")
    if loader.errors:
        raise KnowledgeBaseError(name, loader.errors)
    return kb


class _Loader:
    def __init__(self, name: str):
        self.name = name
        self.errors: List[str] = []
        self.sources: Dict[str, str] = {}
        self.seen_ids: Dict[str, str] = {}

    def error(self, where: str, what: str) -> None:
        self.errors.append(f"{self.name}: {where}: {what}")

    # ---- small checks -------------------------------------------------------------------
    def keys(self, where, data, required, optional=frozenset()):
        if not isinstance(data, dict):
            self.error(where, f"must be a mapping, got {type(data).__name__}")
            return False
        for key in sorted(set(data) - set(required) - set(optional), key=str):
            self.error(where, f"unknown key '{key}' (allowed: {', '.join(sorted(set(required) | set(optional)))})")
        for key in sorted(set(required) - set(data)):
            self.error(where, f"missing key '{key}'")
        return True

    def flag(self, where, data, key) -> bool:
        """A true/false field, false when absent."""
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.error(where, f"'{key}' must be true or false")
            return False
        return value

    def text(self, where, data, key, placeholders) -> str:
        """A text field (a missing key is reported by `keys`)."""
        if key not in data:
            return ""
        value = data[key]
        if not isinstance(value, str) or not value.strip():
            self.error(where, f"'{key}' must be non-empty text")
            return ""
        try:
            names = placeholders_in(value)
        except ValueError as exc:
            self.error(where, f"'{key}' has broken {{braces}}: {exc}")
            return value
        for ph in names:
            if ph not in placeholders:
                self.error(where, f"'{key}' uses unknown placeholder '{{{ph}}}' "
                                  f"(allowed: {', '.join(placeholders)})")
        return value

    def source_list(self, where, data) -> List[str]:
        ids = data.get("sources")
        if not isinstance(ids, list) or not ids:
            self.error(where, "has no sources: list at least one id from the sources table")
            return []
        for sid in ids:
            if not isinstance(sid, str) or sid not in self.sources:
                self.error(where, f"source '{sid}' is not in the sources table")
        return [str(s) for s in ids]

    def rule_id(self, kind, data, index) -> str:
        rid = data.get("id") if isinstance(data, dict) else None
        if not isinstance(rid, str) or not rid:
            self.error(f"{kind} #{index + 1}", "missing or empty 'id'")
            return f"#{index + 1}"
        if rid in self.seen_ids:
            self.error(f"{kind} '{rid}'", f"duplicate id (already used by a {self.seen_ids[rid]})")
        else:
            self.seen_ids[rid] = kind
        return rid

    def condition(self, where, cond, **kw):
        for problem in check_condition(cond, **kw):
            self.error(where, problem)

    # ---- sections -----------------------------------------------------------------------
    def build(self, data: Any) -> Optional[KnowledgeBase]:
        if not isinstance(data, dict):
            self.error("top level", "the file must be a YAML mapping")
            return None
        for key in sorted(set(data) - TOP_KEYS, key=str):
            self.error("top level", f"unknown key '{key}' (allowed: {', '.join(sorted(TOP_KEYS))})")
        for key in sorted(TOP_KEYS - set(data)):
            self.error("top level", f"missing section '{key}'")

        version = data.get("version")
        if not isinstance(version, (str, int, float)):
            version = ""
        policy = data.get("policy") or {}
        if self.keys("policy", policy, POLICY_KEYS):
            if not isinstance(policy.get("unsure_counts_as_yes"), bool):
                self.error("policy", "'unsure_counts_as_yes' must be true or false")
            shown = policy.get("findings_shown")
            if not isinstance(shown, int) or isinstance(shown, bool) or shown < 1:
                self.error("policy", "'findings_shown' must be a whole number >= 1")

        sources = data.get("sources") or {}
        if not isinstance(sources, dict) or not sources:
            self.error("sources", "must map source ids to citation text")
            sources = {}
        for sid, citation in sources.items():
            if not isinstance(citation, str) or not citation.strip():
                self.error(f"source '{sid}'", "citation text is empty")
        self.sources = {str(k): str(c) for k, c in sources.items()}

        glutes = data.get("glutes") or {}
        if not isinstance(glutes, dict) or not glutes:
            self.error("glutes", "must map glute ids to {name, job}")
            glutes = {}
        for gid, g in glutes.items():
            self.keys(f"glute '{gid}'", g, GLUTE_KEYS)

        groups = self.red_flag_groups(data.get("red_flag_groups"))
        red_flag_ids = {f.id for g in groups for f in g.flags}
        raw_findings = data.get("findings") if isinstance(data.get("findings"), list) else []
        if not raw_findings:
            self.error("findings", "must be a non-empty list")
        finding_ids = {f.get("id") for f in raw_findings if isinstance(f, dict) and isinstance(f.get("id"), str)}
        findings = [self.finding(f, i, glutes, red_flag_ids) for i, f in enumerate(raw_findings)]
        strength = self.strength(data.get("strength"), red_flag_ids, finding_ids)
        self_checks = self.self_checks(data.get("self_checks"), red_flag_ids)
        triage = self.triage(data.get("triage"))
        messages = self.messages(data.get("messages"))
        return KnowledgeBase(
            path=self.name, version=str(version),
            unsure_counts_as_yes=bool(policy.get("unsure_counts_as_yes", True)) if isinstance(policy, dict) else True,
            findings_shown=policy.get("findings_shown", 5) if isinstance(policy, dict) else 5,
            sources=self.sources, glutes=glutes, red_flag_groups=groups, findings=findings,
            strength=strength, self_checks=self_checks, triage=triage, messages=messages,
        )

    def red_flag_groups(self, raw) -> List[RedFlagGroup]:
        if not isinstance(raw, list) or not raw:
            self.error("red_flag_groups", "must be a non-empty list of groups")
            return []
        groups: List[RedFlagGroup] = []
        derived = []
        for gi, graw in enumerate(raw):
            where = f"red flag group #{gi + 1}"
            if not self.keys(where, graw, GROUP_KEYS):
                continue
            level = graw.get("level")
            if level not in v.TRIAGE_LEVELS:
                self.error(where, f"level '{level}' is not one of {', '.join(v.TRIAGE_LEVELS)}")
            elif level not in v.RED_FLAG_GROUPS:
                self.error(where, f"level '{level}' cannot be a red flag level "
                                  f"(use one of {', '.join(v.RED_FLAG_GROUPS)})")
            else:
                where = f"red flag group '{level}'"
            prompt = self.text(where, graw, "prompt", ())
            flags = []
            raw_flags = graw.get("flags") if isinstance(graw.get("flags"), list) else []
            if not raw_flags:
                self.error(where, "'flags' must be a non-empty list")
            for fi, fraw in enumerate(raw_flags):
                fid = self.rule_id("red flag", fraw, fi)
                fwhere = f"red flag '{fid}'"
                if not self.keys(fwhere, fraw, RED_FLAG_REQUIRED, RED_FLAG_OPTIONAL):
                    continue
                also = fraw.get("also_when")
                if also is not None:  # checked below, once every red flag id is known
                    derived.append((fwhere, also))
                flags.append(RedFlag(
                    id=fid, level=str(level), label=self.text(fwhere, fraw, "label", ()),
                    question=self.text(fwhere, fraw, "question", ()),
                    advice=self.text(fwhere, fraw, "advice", TEXT_PLACEHOLDERS),
                    sources=self.source_list(fwhere, fraw), also_when=also,
                    clinician_note=fraw.get("clinician_note"),
                    past_counts=self.flag(fwhere, fraw, "past_counts"),
                ))
            groups.append(RedFlagGroup(level=str(level), prompt=prompt, flags=flags))
        ids = {f.id for g in groups for f in g.flags}
        for fwhere, also in derived:
            self.condition(fwhere, also, at="also_when", red_flag_ids=ids)
        ranks = [LEVEL_RANK[g.level] for g in groups if g.level in v.RED_FLAG_GROUPS]
        if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
            self.error("red_flag_groups", "groups must be listed once each, most urgent first "
                                          f"({', '.join(v.RED_FLAG_GROUPS)})")
        return groups

    def finding(self, raw, index, glutes, red_flag_ids) -> Finding:
        fid = self.rule_id("finding", raw, index)
        where = f"finding '{fid}'"
        if not self.keys(where, raw, FINDING_REQUIRED, FINDING_OPTIONAL):
            raw = {}
        weight = raw.get("weight")
        if "weight" in raw and (not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0):
            self.error(where, f"'weight' must be a positive number, got {weight!r}")
            weight = 0
        for key in ("refers", "self_check"):
            self.flag(where, raw, key)
        if "when" in raw:
            self.condition(where, raw["when"], at="when", red_flag_ids=red_flag_ids)
        glute_ids = raw.get("glute") or []
        if not isinstance(glute_ids, list):
            glute_ids = [glute_ids]
        for g in glute_ids:
            if not isinstance(g, str) or g not in glutes:
                self.error(where, f"glute '{g}' is not in the glutes table")
        injuries = raw.get("injuries") or []
        by_area = raw.get("injuries_by_area") or {}
        if not isinstance(injuries, list):
            self.error(where, "'injuries' must be a list of injury ids")
            injuries = []
        if not isinstance(by_area, dict) or not all(isinstance(l, list) for l in by_area.values()):
            self.error(where, "'injuries_by_area' must map body areas to lists of injury ids")
            by_area = {}
        for inj in list(injuries) + [i for lst in by_area.values() for i in lst]:
            if inj not in v.INJURIES:
                self.error(where, f"injury '{inj}' is not in the vocabulary (allowed: {', '.join(v.INJURIES)})")
        for area in by_area:
            if area not in v.BODY_AREAS:
                self.error(where, f"injuries_by_area: '{area}' is not a body area")
        return Finding(
            id=fid, title=self.text(where, raw, "title", ()), weight=weight or 0, refers=bool(raw.get("refers")), when=raw.get("when") or {},
            glute=[g for g in glute_ids if isinstance(g, str) and g in glutes],
            glute_job=self.text(where, raw, "glute_job", ()),
            explanation=self.text(where, raw, "explanation", FINDING_PLACEHOLDERS),
            sources=self.source_list(where, raw), self_check=bool(raw.get("self_check", False)),
            injuries=list(injuries), injuries_by_area={a: list(l) for a, l in by_area.items()},
            clinician_note=raw.get("clinician_note"),
        )

    def strength(self, raw, red_flag_ids, finding_ids) -> List[StrengthRule]:
        if raw is None:
            return []
        if not isinstance(raw, list):
            self.error("strength", "must be a list of rules")
            return []
        rules = []
        for i, r in enumerate(raw):
            rid = self.rule_id("strength rule", r, i)
            where = f"strength rule '{rid}'"
            if not self.keys(where, r, STRENGTH_REQUIRED):
                continue
            self.condition(where, r.get("when"), at="when", red_flag_ids=red_flag_ids,
                           finding_ids=finding_ids, allow_findings=True)
            rules.append(StrengthRule(id=rid, when=r.get("when") or {},
                                      explanation=self.text(where, r, "explanation", ()),
                                      sources=self.source_list(where, r)))
        return rules

    def self_checks(self, raw, red_flag_ids) -> SelfCheckPolicy:
        where = "self_checks"
        if not self.keys(where, raw, SELF_CHECKS_REQUIRED):
            raw = {}
        if "offer_when" in raw:
            self.condition(where, raw["offer_when"], at="offer_when", red_flag_ids=red_flag_ids)
        return SelfCheckPolicy(
            offer_when=raw.get("offer_when") or {"all": []},
            not_allowed_reason=self.text(where, raw, "not_allowed_reason", ANSWER_PLACEHOLDERS),
            red_flag_reason=self.text(where, raw, "red_flag_reason", ANSWER_PLACEHOLDERS),
            sources=self.source_list(where, raw) if raw else [],
        )

    def triage(self, raw) -> Dict[str, TriageText]:
        out: Dict[str, TriageText] = {}
        if not isinstance(raw, dict):
            self.error("triage", "must map each triage level to its texts")
            return out
        for level in raw:
            if level not in v.TRIAGE_LEVELS:
                self.error(f"triage '{level}'", f"level '{level}' is not one of {', '.join(v.TRIAGE_LEVELS)}")
        for level in v.TRIAGE_LEVELS:
            where = f"triage '{level}'"
            if level not in raw:
                self.error("triage", f"missing texts for level '{level}'")
                continue
            lraw = raw[level]
            required, optional = TRIAGE_REQUIRED[level], TRIAGE_OPTIONAL.get(level, set())
            if not self.keys(where, lraw, required, optional):
                continue
            texts = {k: self.text(where, lraw, k, TEXT_PLACEHOLDERS)
                     for k in sorted((required | optional) - {"sources"}) if k in lraw}
            out[level] = TriageText(level=level, texts=texts, sources=self.source_list(where, lraw))
        return out

    def messages(self, raw) -> Dict[str, str]:
        if not self.keys("messages", raw, MESSAGE_KEYS):
            return {}
        out = {}
        for key in sorted(MESSAGE_KEYS):
            placeholders = MESSAGE_PLACEHOLDERS.get(key, TEXT_PLACEHOLDERS)
            out[key] = self.text(f"message '{key}'", raw, key, placeholders)
        return out
