"""Clinical screening engine for the runner glute screener (no Rasa imports here).

    kb = load_knowledge_base()                     # clinic/screening_rules.yml, validated
    result = screen(answers, kb)                   # triage, red flags, findings, trace
    compose_result_messages(result, answers, kb, clinic)   # what the runner reads
    clinician_summary(answers, result, kb, screened_at)    # JSON for the clinic
"""

from .answers import FIELDS, ActivationCheck, Answers, BalanceCheck, DonkeyKickCheck
from .engine import ScreeningResult, TraceEntry, screen
from .explain import compose_result_messages
from .glossary import define, load_glossary
from .knowledge import (Finding, KnowledgeBase, KnowledgeBaseError, RedFlag, RedFlagGroup,
                        load_knowledge_base)
from .summary import clinician_summary, summary_markdown

__all__ = [
    "FIELDS", "ActivationCheck", "Answers", "BalanceCheck", "DonkeyKickCheck",
    "ScreeningResult", "TraceEntry", "screen", "compose_result_messages",
    "define", "load_glossary", "Finding", "KnowledgeBase", "KnowledgeBaseError", "RedFlag",
    "RedFlagGroup", "load_knowledge_base", "clinician_summary", "summary_markdown",
]
