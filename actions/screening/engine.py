"""The screening engine: answers + knowledge base -> triage, findings and a full trace.

`screen` is pure and cheap, and copes with partial answers, so the conversation can call it
after the red-flag questions and again after the soreness questions to stop early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from . import vocabulary as v
from .answers import Answers
from .conditions import Context, evaluate, fields_in
from .knowledge import LEVEL_RANK, Finding, KnowledgeBase
from .wording import answer_values, fill, finding_values


@dataclass
class TraceEntry:
    rule_id: str  # namespaced: red_flags.<id>, findings.<id>, strength.<id>, triage.<level>, self_checks
    kind: str  # "red_flag" | "finding" | "strength" | "triage" | "self_checks"
    matched: Dict[str, Any]  # answer path -> the value that made the rule fire
    explanation: str  # runner-facing, in the runner's own words where the rule allows
    sources: List[str]

    @property
    def id(self) -> str:
        return self.rule_id.split(".", 1)[-1]


@dataclass
class ScreeningResult:
    triage: str
    red_flags: List[str] = field(default_factory=list)  # highest level first
    findings: List[str] = field(default_factory=list)  # weight desc, then knowledge-base order
    strength_rules: List[str] = field(default_factory=list)
    strong_recommendation: bool = False
    stops_screen: bool = False
    self_checks_allowed: bool = True
    self_checks_reason: Optional[str] = None
    trace: List[TraceEntry] = field(default_factory=list)

    def entry(self, rule_id: str) -> Optional[TraceEntry]:
        """The trace entry of a rule, by namespaced id ("findings.pelvic_drop") or bare id."""
        for e in self.trace:
            if e.rule_id == rule_id or (e.kind in ("red_flag", "finding", "strength") and e.id == rule_id):
                return e
        return None


def linked_injuries(finding: Finding, matched: Dict[str, Any]) -> List[str]:
    """The finding's linked injuries, narrowed to the sore areas that fired it when it has an
    injuries_by_area table."""
    if finding.injuries_by_area and matched.get("pain_areas"):
        out: List[str] = []
        for area in matched["pain_areas"]:
            out += [i for i in finding.injuries_by_area.get(area, []) if i not in out]
        if out:
            return out
    return list(finding.injuries)


def explain_finding(finding: Finding, answers: Answers, matched: Dict[str, Any], kb: KnowledgeBase) -> str:
    """The runner-facing text of a fired finding: what they told us, the glute job behind it,
    and the injuries it is linked to."""
    values = finding_values(answers, matched, kb.glute_names(finding.glute), finding.glute_job,
                            linked_injuries(finding, matched))
    parts = [fill(finding.explanation, values), fill(kb.messages["finding_glute"], values)]
    if values["linked_injuries"]:
        parts.append(fill(kb.messages["finding_links"], values))
    return " ".join(parts)


def screen(answers: Answers, kb: KnowledgeBase) -> ScreeningResult:
    trace: List[TraceEntry] = []
    ctx = Context(answers)
    reason_values = answer_values(answers)  # self-check reasons may use {pain_severity}

    # 1. Red flags, most urgent group first. "Not sure" counts as yes when the policy says so.
    positive = ("yes", "unsure") if kb.unsure_counts_as_yes else ("yes",)
    fired_flags = []
    for flag in kb.red_flags:
        answer = (answers.red_flags or {}).get(flag.id)
        if answer in positive:
            matched = {f"red_flags.{flag.id}": answer}
        elif flag.also_when:
            hit, matched = evaluate(flag.also_when, ctx)
            if not hit:
                continue
        else:
            continue
        fired_flags.append(flag)
        trace.append(TraceEntry(f"red_flags.{flag.id}", "red_flag", matched,
                                flag.question, list(flag.sources)))
    fired_flags.sort(key=lambda f: LEVEL_RANK[f.level])  # stable: KB order within a level

    # 2. Findings, then order by weight (desc) with knowledge-base order breaking ties.
    fired = []
    for index, finding in enumerate(kb.findings):
        hit, matched = evaluate(finding.when, ctx)
        if hit:
            fired.append((-finding.weight, index, finding, matched))
    fired.sort(key=lambda t: t[:2])
    for _, _, finding, matched in fired:
        trace.append(TraceEntry(f"findings.{finding.id}", "finding", matched,
                                explain_finding(finding, answers, matched, kb), list(finding.sources)))
    finding_ids = [t[2].id for t in fired]

    # 3. Strength of the recommendation: rules over the findings that fired.
    ctx = Context(answers, frozenset(finding_ids))
    strength_ids = []
    for rule in kb.strength:
        hit, matched = evaluate(rule.when, ctx)
        if hit:
            strength_ids.append(rule.id)
            trace.append(TraceEntry(f"strength.{rule.id}", "strength", matched,
                                    rule.explanation, list(rule.sources)))

    # 4. Triage: the highest red flag level; else a gait analysis if any finding refers.
    referring = [t[2].id for t in fired if t[2].refers]
    if fired_flags:
        level = fired_flags[0].level
        matched = {"red_flags": [f.id for f in fired_flags]}
        why = f"Red flag {fired_flags[0].id} fired; the highest red flag level wins."
        sources = list(kb.triage[level].sources) + [s for f in fired_flags for s in f.sources]
    elif referring:
        level, matched = "gait_analysis", {"findings": referring}
        why = f"No red flag; findings that refer: {', '.join(referring)}."
        sources = list(kb.triage[level].sources)
    else:
        level, matched, sources = "self_care", {}, list(kb.triage["self_care"].sources)
        why = "No red flag and no finding that refers."
    trace.append(TraceEntry(f"triage.{level}", "triage", matched, why, list(dict.fromkeys(sources))))

    # 5. May the self-checks be offered? Never after a red flag; otherwise per the KB rule.
    policy = kb.self_checks
    if fired_flags:
        allowed, reason, matched = False, fill(policy.red_flag_reason, reason_values), {
            "red_flags": [f.id for f in fired_flags]}
    else:
        allowed, matched = evaluate(policy.offer_when, ctx)
        reason = None if allowed else fill(policy.not_allowed_reason, reason_values)
        if not allowed:  # show the answers the rule looked at
            matched = {p: answers.get(p) for p in fields_in(policy.offer_when)}
    trace.append(TraceEntry("self_checks", "self_checks", matched,
                            reason or "The self-checks can be offered.", list(policy.sources)))

    return ScreeningResult(
        triage=level,
        red_flags=[f.id for f in fired_flags],
        findings=finding_ids,
        strength_rules=strength_ids,
        strong_recommendation=bool(strength_ids) and level == "gait_analysis",
        stops_screen=level in v.STOPPING_LEVELS,
        self_checks_allowed=allowed,
        self_checks_reason=reason,
        trace=trace,
    )
