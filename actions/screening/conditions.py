"""The declarative condition language of the knowledge base: checking and evaluation.

A condition is plain YAML data, never code:

    all: [<condition>, ...]          every part holds
    any: [<condition>, ...]          at least one part holds
    not: <condition>                 the part does not hold
    {field: <answer path>, <op>: <value>}
        ops by field kind (see answers.FIELDS):
          list:   contains (value), any_of ([values]), count_gte (n), is_set (bool)
          choice: equals (value), in ([values]), is_set (bool)
          number: equals, gte, gt, lte, lt (number), is_set (bool)
          bool:   equals (bool), is_true (bool), is_set (bool)
    {red_flag_answer: <red flag id>, equals: <yes|no|unsure>} or {..., in: [..]}
    {finding: <finding id>}                              strength rules only
    {findings_count: {of: [<finding ids>], gte: <n>}}    strength rules only

A missing answer (None) never satisfies a comparison; only `is_set: false` matches it.
Evaluation returns whether the condition holds and the answers that made it hold
(answer path -> value), which the engine keeps in its trace.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Set, Tuple

from . import vocabulary as v
from .answers import FIELDS, Answers

OPS_BY_KIND = {
    "list": ("contains", "any_of", "count_gte", "is_set"),
    "choice": ("equals", "in", "is_set"),
    "number": ("equals", "gte", "gt", "lte", "lt", "is_set"),
    "bool": ("equals", "is_true", "is_set"),
}
ALL_OPS = tuple(sorted({op for ops in OPS_BY_KIND.values() for op in ops}))
RED_FLAG_ANSWER_OPS = ("equals", "in")


def _is_number(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _values_text(values) -> str:
    return ", ".join(str(x) for x in values)


def _bad_value(at: str, item: Any, what: str, allowed) -> str:
    hint = ' (YAML reads a bare yes/no as true/false: write "yes" or "no" in quotes)' \
        if isinstance(item, bool) else ""
    return f"{at}: value '{item}' is not {what} (allowed: {_values_text(allowed)}){hint}"


# --------------------------------------------------------------------------- checking

def check_condition(cond: Any, at: str = "when", *, red_flag_ids: Optional[Set[str]] = None,
                    finding_ids: Optional[Set[str]] = None, allow_findings: bool = False) -> List[str]:
    """Everything wrong with a condition, one message per problem ('' = fine).

    `finding_ids` is the set of defined findings; `allow_findings` says whether finding
    leaves may appear here (only strength rules look at findings).
    """
    errors: List[str] = []
    _check(cond, at, errors, red_flag_ids or set(), finding_ids or set(), allow_findings)
    return errors


def _check(cond, at, errors, red_flag_ids, finding_ids, allow_findings):
    if not isinstance(cond, dict) or not cond:
        errors.append(f"{at}: a condition must be a mapping such as {{field: ..., equals: ...}}, got {cond!r}")
        return
    if len(cond) == 1 and next(iter(cond)) in ("all", "any"):
        key = next(iter(cond))
        parts = cond[key]
        if not isinstance(parts, list) or not parts:
            errors.append(f"{at}.{key}: must be a non-empty list of conditions")
            return
        for i, part in enumerate(parts):
            _check(part, f"{at}.{key}[{i}]", errors, red_flag_ids, finding_ids, allow_findings)
        return
    if len(cond) == 1 and "not" in cond:
        _check(cond["not"], f"{at}.not", errors, red_flag_ids, finding_ids, allow_findings)
        return
    if "field" in cond:
        _check_field_leaf(cond, at, errors)
    elif "red_flag_answer" in cond:
        _check_red_flag_leaf(cond, at, errors, red_flag_ids)
    elif "finding" in cond or "findings_count" in cond:
        _check_finding_leaf(cond, at, errors, finding_ids, allow_findings)
    else:
        errors.append(f"{at}: unknown condition keys {sorted(map(str, cond))}; expected one of all, any, not, "
                      "field, red_flag_answer, finding, findings_count")


def _single_op(cond, at, errors, subject_key):
    ops = [k for k in cond if k != subject_key]
    unknown = [k for k in ops if k not in ALL_OPS]
    if unknown:
        errors.append(f"{at}: unknown key(s) {', '.join(map(str, unknown))} "
                      f"(operators are: {_values_text(ALL_OPS)})")
        return None
    if len(ops) != 1:
        errors.append(f"{at}: needs exactly one operator next to '{subject_key}', found {len(ops)}")
        return None
    return ops[0]


def _check_field_leaf(cond, at, errors):
    path = cond["field"]
    if not isinstance(path, str) or path not in FIELDS:
        errors.append(f"{at}: condition on unknown answer field '{path}' "
                      f"(answer fields are: {_values_text(FIELDS)})")
        return
    kind, vocab = FIELDS[path]
    op = _single_op(cond, at, errors, "field")
    if op is None:
        return
    if op not in OPS_BY_KIND[kind]:
        errors.append(f"{at}: operator '{op}' is not allowed on {kind} field '{path}' "
                      f"(allowed: {_values_text(OPS_BY_KIND[kind])})")
        return
    value = cond[op]
    if op in ("is_set", "is_true") or (kind == "bool" and op == "equals"):
        if not isinstance(value, bool):
            errors.append(f"{at}: '{op}' on '{path}' takes true or false, got {value!r}")
        return
    if op == "count_gte":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors.append(f"{at}: 'count_gte' on '{path}' takes a whole number >= 0, got {value!r}")
        return
    if kind == "number":
        if not _is_number(value):
            errors.append(f"{at}: '{op}' on number field '{path}' takes a number, got {value!r}")
        return
    # choice / list values come from the field's vocabulary
    if op in ("in", "any_of"):
        if not isinstance(value, list) or not value:
            errors.append(f"{at}: '{op}' on '{path}' takes a non-empty list of values, got {value!r}")
            return
        values = value
    else:
        values = [value]
    for item in values:
        if vocab is not None and item not in vocab:
            errors.append(_bad_value(at, item, f"in the vocabulary of '{path}'", vocab))


def _check_red_flag_leaf(cond, at, errors, red_flag_ids):
    flag_id = cond["red_flag_answer"]
    if not isinstance(flag_id, str) or flag_id not in red_flag_ids:
        errors.append(f"{at}: red_flag_answer names unknown red flag '{flag_id}'")
    op = _single_op(cond, at, errors, "red_flag_answer")
    if op is None:
        return
    if op not in RED_FLAG_ANSWER_OPS:
        errors.append(f"{at}: operator '{op}' is not allowed on red_flag_answer "
                      f"(allowed: {_values_text(RED_FLAG_ANSWER_OPS)})")
        return
    values = cond[op] if op == "in" else [cond[op]]
    if not isinstance(values, list) or not values:
        errors.append(f"{at}: 'in' takes a non-empty list of answers")
        return
    for item in values:
        if item not in v.YES_NO_UNSURE:
            errors.append(_bad_value(at, item, "a red flag answer", v.YES_NO_UNSURE))


def _check_finding_leaf(cond, at, errors, finding_ids, allow_findings):
    if not allow_findings:
        errors.append(f"{at}: 'finding'/'findings_count' conditions are only allowed in strength rules")
        return
    if "finding" in cond:
        if len(cond) != 1:
            errors.append(f"{at}: a finding condition takes only 'finding: <id>'")
        ids = [cond["finding"]]
    else:
        spec = cond["findings_count"]
        if len(cond) != 1 or not isinstance(spec, dict) or set(spec) != {"of", "gte"}:
            errors.append(f"{at}: findings_count takes {{of: [finding ids], gte: <n>}}")
            return
        ids = spec["of"] if isinstance(spec["of"], list) else [spec["of"]]
        gte = spec["gte"]
        if not isinstance(gte, int) or isinstance(gte, bool) or gte < 1:
            errors.append(f"{at}: findings_count 'gte' takes a whole number >= 1, got {gte!r}")
    for fid in ids:
        if not isinstance(fid, str) or fid not in finding_ids:
            errors.append(f"{at}: refers to finding '{fid}', which is never defined")


def fields_in(cond: Any) -> List[str]:
    """Answer paths a (valid) condition reads, in order, without repeats."""
    out: List[str] = []

    def walk(c):
        if not isinstance(c, dict):
            return
        for key in ("all", "any"):
            if key in c and isinstance(c[key], list):
                for part in c[key]:
                    walk(part)
        if "not" in c:
            walk(c["not"])
        if "field" in c and c["field"] not in out:
            out.append(c["field"])

    walk(cond)
    return out


# --------------------------------------------------------------------------- evaluation

@dataclass
class Context:
    answers: Answers
    findings: FrozenSet[str] = frozenset()

    @property
    def red_flag_answers(self) -> Mapping[str, str]:
        return self.answers.red_flags or {}


Matched = Dict[str, Any]


def _merge(into: Matched, more: Matched) -> Matched:
    for key, value in more.items():
        if key in into and isinstance(into[key], list) and isinstance(value, list):
            into[key] = into[key] + [x for x in value if x not in into[key]]
        else:
            into.setdefault(key, value)
    return into


def evaluate(cond: Mapping[str, Any], ctx: Context) -> Tuple[bool, Matched]:
    """Whether a validated condition holds, and the answers that made it hold."""
    if "all" in cond:
        matched: Matched = {}
        for part in cond["all"]:
            ok, m = evaluate(part, ctx)
            if not ok:
                return False, {}
            _merge(matched, m)
        return True, matched
    if "any" in cond:
        matched, hit = {}, False
        for part in cond["any"]:
            ok, m = evaluate(part, ctx)
            if ok:
                hit = True
                _merge(matched, m)
        return hit, (matched if hit else {})
    if "not" in cond:
        ok, _ = evaluate(cond["not"], ctx)
        if ok:
            return False, {}
        # Record what was looked at, so the trace shows e.g. pain_severity: 3.
        seen = {p: ctx.answers.get(p) for p in fields_in(cond["not"])}
        return True, {p: val for p, val in seen.items() if val not in (None, [])}
    if "field" in cond:
        return _eval_field(cond, ctx.answers)
    if "red_flag_answer" in cond:
        fid = cond["red_flag_answer"]
        answer = ctx.red_flag_answers.get(fid)
        wanted = cond["in"] if "in" in cond else [cond["equals"]]
        return (True, {f"red_flags.{fid}": answer}) if answer in wanted else (False, {})
    if "finding" in cond:
        fid = cond["finding"]
        return (True, {"findings": [fid]}) if fid in ctx.findings else (False, {})
    if "findings_count" in cond:
        spec = cond["findings_count"]
        of = spec["of"] if isinstance(spec["of"], list) else [spec["of"]]
        hits = [f for f in of if f in ctx.findings]
        return (True, {"findings": hits}) if len(hits) >= spec["gte"] else (False, {})
    raise ValueError(f"not a valid condition: {cond!r}")


def _eval_field(cond, answers: Answers) -> Tuple[bool, Matched]:
    path = cond["field"]
    value = answers.get(path)
    op = next(k for k in cond if k != "field")
    want = cond[op]
    kind = FIELDS[path][0]
    if op == "is_set":
        present = bool(value) if kind == "list" else value is not None
        return (present == want), ({path: value} if present and present == want else {})
    if value is None:
        return False, {}
    if kind == "list":
        items = list(value)
        if op == "contains":
            return (True, {path: [want]}) if want in items else (False, {})
        if op == "any_of":
            hits = [x for x in items if x in want]
            return (True, {path: hits}) if hits else (False, {})
        if op == "count_gte":
            return (True, {path: items}) if len(items) >= want else (False, {})
    if kind == "number" and not _is_number(value):
        return False, {}
    if op == "is_true":
        return (True, {path: value}) if value is want else (False, {})
    if op == "equals":
        ok = value == want
    elif op == "in":
        ok = value in want
    elif op == "gte":
        ok = value >= want
    elif op == "gt":
        ok = value > want
    elif op == "lte":
        ok = value <= want
    elif op == "lt":
        ok = value < want
    else:  # pragma: no cover - validation rules this out
        raise ValueError(f"operator {op!r} on {path!r}")
    return (True, {path: value}) if ok else (False, {})
