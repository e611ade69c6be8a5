"""The runner-facing result: a short run of chat messages assembled from the trace."""

from __future__ import annotations

from typing import Any, List, Mapping, Optional

from . import vocabulary as v
from .answers import Answers
from .engine import ScreeningResult
from .knowledge import KnowledgeBase
from .wording import clinic_values, fill, join_words


def compose_result_messages(result: ScreeningResult, answers: Answers, kb: KnowledgeBase,
                            clinic: Optional[Mapping[str, Any]]) -> List[str]:
    """The messages the runner reads at the end of the screen, in order.

    The reason self-checks were skipped (result.self_checks_reason) is not repeated here: the
    conversation says it when it skips them.
    """
    values = clinic_values(clinic, answers)

    def say(*templates: str) -> str:
        return " ".join(fill(t, values) for t in templates if t)

    texts = kb.triage[result.triage]
    messages: List[str] = []
    if result.triage in v.STOPPING_LEVELS:
        messages.append(say(texts.headline, texts.advice))
        messages += [say(kb.red_flag(fid).advice) for fid in result.red_flags]
        messages.append(say(texts.safety_net))
        messages.append(say(kb.messages["contact"]))
    elif result.triage == "gait_analysis":
        why = [result.entry(f"strength.{sid}").explanation for sid in result.strength_rules]
        headline = texts.strong_headline if result.strong_recommendation else texts.headline
        messages.append(" ".join([say(headline)] + (why if result.strong_recommendation else [])))
        messages.append(say(kb.messages["findings_intro"]))
        shown, rest = result.findings[:kb.findings_shown], result.findings[kb.findings_shown:]
        messages += [result.entry(f"findings.{fid}").explanation for fid in shown]
        if rest:
            values["others"] = join_words([kb.finding(fid).title for fid in rest])
            messages.append(say(kb.messages["more_findings"]))
        messages.append(say(texts.what_gait_analysis_looks_at))
        messages.append(say(texts.how_to_book))
        messages.append(say(texts.advice, texts.safety_net))
    else:  # self_care: never a good-news opening for a runner who reported pain
        if answers.pain_areas:
            messages.append(say(texts.pain_headline, texts.pain_advice))
        else:
            messages.append(say(texts.headline, texts.advice))
        messages.append(say(texts.keep_doing))
        if "prolonged_sitting" in result.findings and texts.texts.get("sitting_advice"):
            messages.append(say(texts.sitting_advice))
        messages.append(say(texts.come_back))
        messages.append(say(texts.safety_net))
    messages.append(say(kb.messages["not_diagnosis"]))
    return [m for m in messages if m]
