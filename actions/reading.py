"""Read one runner message into screening answers: plain Python, no Rasa.

`read_message` turns the message's intent and entities into slot updates for the question
being asked (the requested slot) and, where it is unambiguous, for questions not asked yet
("my left knee hurts after runs and I sit 9 hours a day" fills four answers at once).

Entities come from bot/nlu/clinical_extractor.py or from button payloads. A mention the NLU
marked as negated ("my knees are fine") carries the role "negated" and is never an answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Tuple

from actions import slots as s
from actions.screening import vocabulary as v

# Roles the clinical extractor (bot/nlu/clinical_extractor.py) gives a mention.
NEGATED = "negated"
UNCERTAIN = "uncertain"
PLURAL = "plural"  # a side read from a pair in the plural ("my shins"): where it hurts only
PAST = "past"  # a body part or red flag in a part of the message about the past ("my knees used to be the issue")
GAIT = "gait"  # a side said of a running pattern someone saw ("my right hip drops"): not where it hurts

# Messages that are not an answer: the form steps aside and a rule handles them.
INTERRUPTION_INTENTS = {
    "ask_why", "ask_define", "correct", "start_over", "stop", "human_handoff",
    "book_gait_analysis", "bot_challenge", "out_of_scope", "greet", "goodbye", "thanks",
}
# Messages that ask about something: a red flag named in them ("what counts as chest
# pain?") may be a question rather than a report, so it is asked back, never dropped.
QUESTION_INTENTS = {"ask_why", "ask_define", "bot_challenge"}
# Of those, the ones a misread answer is most often taken for ("desk job so 9 hrs sitting"
# as out of scope): when the message does answer the question asked, the answer wins.
STEERING_WORDS = re.compile(r"\b(stop|quit|cancel|exit|end this|end it|restart|start over|start again|reset|"
                            r"i'?m done|i am done|enough|give up|no more questions|forget it|never ?mind|"
                            r"not interested|leave it|"
                             r"from the top|begin again|bye|goodbye|leave|done for now|that'?s all)\b")
# "had to stop", "made me stop": a report of what happened, not a request to end the chat.
# "eases off once I stop", "it stops hurting", "stopped running for a week": the same.
_REPORTED_STOP = re.compile(r"\b(?:had|has|needed|made me|forced|was going|wanted|couldn'?t|didn'?t|did)"
                            r"\s+(?:to\s+)?stop\b|\b(?:once|when|whenever|after|if|as soon as|until|till|til|before)"
                            r"\s+(?:i|you|we)\s+stop\w*|\bstop\w*\s+(?:running|hurting|aching|for a|and walk)\b|"
                            r"\b(?:it|pain|that|which|ache)\s+stops\b")
# What a correction can change: a message without any of these corrects nothing.
CORRECTABLE = ("body_part", "side", "timing", "number", "injury", "gait_sign", "check_fault", "effort")


CORRECTING = re.compile(r"\b(i meant|meant to say|i mean|sorry|correction|change|changed|wrong|mistake|typo|"
                        r"scratch that|instead|not (?:the )?(?:left|right)|actually (?:it'?s|it is|it was|my|i|the|more|"
                        r"less|about|around|nearer|closer)|^(?:oh,? |um,? |hmm,? )?actually|more like|rather|no wait|wait|oops|earlier|before i said|"
                        r"i said|forgot)\b")


# "wait actually no, that was just in the heatwave": the yes or no just given, taken back
TAKING_BACK = re.compile(r"^(?:(?:wait|sorry|oh|hmm+|um+|no wait|oops)[,.!]*\s+)*(?:actually|i mean|scratch that)"
                         r"[,.!:]*\s+(?:(?:thinking about it|come to think of it|on second thought|now i think about it)"
                         r"[,.!:]*\s+)?(?=(?:no|nope|nah|yes|yeah|yep)\b)")


def says_steering(text: str) -> bool:
    """The runner asks, in so many words, to stop, restart or leave."""
    return bool(STEERING_WORDS.search(_REPORTED_STOP.sub(" ", text.lower())))


def correctable(message: "Message") -> bool:
    return any(e.get("entity") in CORRECTABLE and e.get("role") != NEGATED for e in message.entities)


def is_correction(message: "Message") -> bool:
    """Something an earlier answer could be changed to, and words of correcting ("sorry, I
    meant my left"): only then does a message taken for "correct" change an answer. A
    question ("wait do I have to touch my butt for this") changes nothing."""
    text = message.text.lower().strip()
    return (correctable(message) or bool(TAKING_BACK.match(text))) and bool(CORRECTING.search(text)) \
        and not is_asking(text)


def is_asking(text: str) -> bool:
    """A question put to the bot: "am I meant to feel it in my back?", "wait do I have to
    touch my butt for this"."""
    text = text.lower().strip()
    return text.endswith("?") or bool(_ASKS_AFTER_INTERJECTION.match(text))


_ASKS_AFTER_INTERJECTION = re.compile(r"^(?:(?:wait|oh|hmm+|ok|okay|so|um+|erm*|sorry|hang on)[,!.]*\s+)+"
                                      r"(?:is|are|can|could|should|do|does|did|what|how|why|will|would|where|"
                                      r"when|which|am|must)\b")


# A misread "start over" or "stop" throws answers away, so those too give way to a message
# that answers the question asked ("no, it has not come again" is not a restart).
WEAK_INTERRUPTIONS = {"out_of_scope", "greet", "thanks", "bot_challenge", "start_over", "stop", "goodbye",
                      "book_gait_analysis"}

_BOOKING = re.compile(r"\b(book\w*|appointment|gait analysis|schedul\w*|reserve|slot|session)\b")

YES_NO = {"affirm": "yes", "deny": "no", "not_sure": "unsure"}

INPUT_PROBLEM_RESPONSE = {
    "empty": "utter_input_empty",
    "too_long": "utter_input_too_long",
    "no_words": "utter_input_no_words",
    "not_english": "utter_input_not_english",
}

# Where it hurts, when the runner names the injury instead ("lower back pain", "shin splints").
INJURY_AREA = {
    "patellofemoral_pain": "knee", "shin_splints": "shin", "calf_strain": "calf",
    "achilles_tendinopathy": "achilles", "plantar_fasciitis": "foot", "hip_flexor_strain": "hip_flexor",
    "hip_injury": "hip", "itb_syndrome": "it_band", "hamstring_strain": "hamstring",
    "low_back_pain": "low_back", "ankle_sprain": "ankle",
}

_NUMBER_WORDS = {
    "zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}


@dataclass
class Message:
    intent: Optional[str]
    entities: List[Dict[str, Any]] = field(default_factory=list)
    text: str = ""

    @classmethod
    def from_latest(cls, latest_message: Dict[str, Any]) -> "Message":
        intent = (latest_message.get("intent") or {}).get("name")
        return cls(intent, list(latest_message.get("entities") or []), latest_message.get("text") or "")

    def values(self, entity: str, allowed: Iterable[str] = None, role: Optional[str] = None) -> List[str]:
        """Values of one entity type with the given role (None: plainly said, neither negated
        nor uncertain), first mention first, no repeats."""
        found: List[str] = []
        for e in self.entities:
            if e.get("entity") != entity or e.get("role") not in (role, *(() if role else ("",))):
                continue
            value = e.get("value")
            if isinstance(value, str) and (allowed is None or value in allowed) and value not in found:
                found.append(value)
        return found

    def flags_to_confirm(self) -> List[str]:
        """Red flags the runner is asked to confirm: said with a negation that may not cancel
        them, inside a question, or told as over (role `past`)."""
        uncertain = self.values("red_flag", role=UNCERTAIN)
        return uncertain + [x for x in self.values("red_flag", role=PAST) if x not in uncertain]

    def numbers(self, roles: Iterable[Optional[str]] = (None,)) -> List[float]:
        """Numeric entity values whose role is one of `roles` (None = no role given)."""
        roles = set(roles)
        found = []
        for e in self.entities:
            if e.get("entity") != "number" or e.get("role") not in roles:
                continue
            number = to_number(e.get("value"))
            if number is not None:
                found.append(number)
        if not found and None in roles:
            found = _numbers_in_text(self.text)
        return found

    @property
    def input_problem(self) -> Optional[str]:
        for e in self.entities:
            if e.get("entity") == "input_problem":
                return e.get("value")
        return None


def to_number(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _NUMBER_WORDS:
            return float(_NUMBER_WORDS[text])
        try:
            return float(text)
        except ValueError:
            return None
    return None


def _numbers_in_text(text: str) -> List[float]:
    """Fallback for a bare answer such as '7' or 'seven' when no number entity came through."""
    words = re.findall(r"\d+(?:\.\d+)?|[a-z]+", (text or "").lower())
    if len(words) > 4:
        return []
    found = []
    for word in words:
        number = to_number(word)
        if number is not None and word != "none":
            found.append(number)
    return found


def side_from(message: Message, pain: bool = False) -> Optional[str]:
    """The side said. For the side that hurts (`pain`), not the side of a running pattern
    someone saw ("my right hip drops"), which a self-check report's side still is."""
    sides = message.values("side", v.SIDES) + ([] if pain else message.values("side", v.SIDES, role=GAIT))
    if not sides:
        return None
    if "both" in sides or ("left" in sides and "right" in sides):
        return "both"
    return sides[0]


_YES_WORDS = {"yes", "yeah", "yea", "yep", "yup", "ya", "sure", "definitely", "absolutely", "y", "ok", "okay",
              "k", "kk", "ye", "yeh", "yh", "yas", "yess", "yesss", "okie", "okey", "aight", "righto",
              "certainly", "affirmative", "indeed", "gladly", "si", "sì", "sí", "ja", "oui", "sim"}
_YES_PHRASE = re.compile(r"^(of course|go for it|go ahead|sounds good|let'?s do (?:it|this)|i'?d love to|"
                         r"happy to|go on)\b(?!,?\s+not)")
_NO_WORDS = {"no", "nope", "nah", "never", "n", "not", "nein", "não", "nao", "nie", "negative"}
# "maybe a 4" hedges a number, not the question asked
# ... and so does "3/10 maybe", "an eight, maybe"
_AFTER_NUMBER = "".join(rf"(?<!{w} )(?<!{w}, )" for w in ("one", "two", "three", "four", "five", "six", "seven", "eight",
                                                           "nine", "ten")) + r"(?<!\d )(?<!\d, )(?<!\d)"
_UNSURE = re.compile(r"\b(not sure|unsure|" + _AFTER_NUMBER + r"maybe(?!\s+(?:(?:a|an|about|around|like)\s+)?(?:\d|one|two|three|four|five|"
                     r"six|seven|eight|nine|ten)\b)|dunno|don'?t know|no idea|not certain|no clue|"
                     r"can'?t (?:say|tell|remember)|(?:couldn'?t|could not|can'?t|cannot) (?:really )?tell|hard to (?:say|tell)|"
                     r"wouldn'?t swear|who knows|idk|not really sure)\b(?!\s+why\b)")  # "heaps harder, dunno why"
# "I think so", "kind of", "possibly": doubt in words, which a "not sure" needs at a safety question
_HEDGED = re.compile(r"\b(i think|think so|kind of|kinda|sort of|sorta|possibly|perhaps|might|could be|"
                     r"a bit|a little|ish|unsure|hmm+|er+m*|um+)\b")
_SAME_SIDES = re.compile(r"\b(same|equal|equally|no difference|neither|similar|even|evenly)\b")


_LEADING_FILLER = re.compile(r"^(?:(?:hmm+|um+|erm*|uh+|well|oh)[\s,.!]+)*(?:(?:i think so|think so|i guess|i suppose)"
                             r"[\s,.!]+(?=(?:yes|yeah|yep|yup|no|nope|nah)\b))?")


# A yes or no taken back in the same message, or a hedge that ends in a clear answer
_CHANGED_MIND = re.compile(r"^\W*(?:yes|yeah|yep|no|nope|nah)\b[\s,.!]*(?:no wait|wait|hang on|sorry|i mean|scratch that|"
                           r"or rather|actually)[\s,.!]*(?:actually[\s,.!]*)?(yes|yeah|yep|no|nope|nah)\b")
_FINAL_ANSWER = re.compile(r"\b(?:i'?d say|i would say|i'?ll say|so|i guess|i think|then)\s+(yes|yeah|yep|no|nope|nah)\W*$")


def _changed_mind(text: str, final_answer: bool = False) -> Optional[str]:
    """"no. no wait, yes actually" -> yes; with final_answer, "maybe a bit? yeah I'd say yes" too."""
    changed = _CHANGED_MIND.match(text) or (final_answer and _FINAL_ANSWER.search(text))
    if not changed or (final_answer and text.endswith("?")):
        return None
    return "yes" if changed.group(1) in ("yes", "yeah", "yep") else "no"


def yes_no_from(message: Message) -> Optional[str]:
    """yes / no / unsure, first from how the message starts ("yes they keep coming back",
    "none of those, though ... not sure if it matters"), then from the intent, then from a
    lone yes or no in a short message ("ITB yes")."""
    text = message.text.lower().strip()
    changed = _changed_mind(text, final_answer=True)
    if changed:
        return changed
    if _UNSURE.match(text):
        return "unsure"
    text = _LEADING_FILLER.sub("", text) or text  # "Hmm, I think so, yes. My easy pace ..."
    if _UNSURE.match(text):
        return "unsure"  # "hmm not sure"
    words = [w for w in re.split(r"[\s,.!?;:]+", text) if w]
    first = words[0] if words else ""
    if first in _YES_WORDS or _YES_PHRASE.match(text):
        return "yes"
    if first in _NO_WORDS or first in ("none", "neither", "nothing"):
        return "no"
    if message.intent in YES_NO:
        return YES_NO[message.intent]
    if _UNSURE.search(text):
        return "unsure"
    if len(words) <= 8:
        said = {"yes" for w in words if w in _YES_WORDS - {"ok", "okay", "sure"}} | {
            "no" for w in words if w in _NO_WORDS - {"not"}}
        if len(said) == 1:
            return said.pop()
    return None


_KEEP_NOTHING = re.compile(r"\b(keep nothing|don'?t keep|do not keep|dont save|don'?t save|do not save|"
                           r"no saving|not keep|without keeping|nothing kept|nothing saved|no storing|"
                           r"don'?t store|delete it|not save|no keep|no keeping|no save|not keeping|"
                           r"nothing to keep|keep none|save nothing|store nothing|nothing (?:to be |should be |be )?"
                           r"(?:kept|saved|stored)|(?:prefer|rather) (?:you )?(?:not|didn'?t|did not) (?:to )?(?:keep|save|store)|"
                           r"rather not (?:have (?:it|them|anything) )?(?:kept|saved|stored))\b")
_KEEP = re.compile(r"\b(keep|save|store|saving|storing|keeping|kept|saved|stored)\b")


def consent_from_text(text: str) -> Optional[bool]:
    """"Start and keep it" / "go on, but don't save anything": the welcome's choice, typed."""
    text = (text or "").lower()
    if _KEEP_NOTHING.search(text):
        return False
    if _KEEP.search(text):
        return True
    return None


def effort_from(message: Message) -> Optional[str]:
    """"yes" when running is said to feel harder than it should, "no" when that is denied."""
    mentions = [e for e in message.entities if e.get("entity") == "effort"]
    if not mentions:
        return None
    return "no" if all(e.get("role") == "negated" for e in mentions) else "yes"


@dataclass
class Reading:
    """What one message means for the screen."""

    updates: Dict[str, Any] = field(default_factory=dict)
    # A response to send when the requested question was not answered in a usable way.
    problem_response: Optional[str] = None
    # True when the message is not an answer at all (a question, a request to stop, ...).
    not_an_answer: bool = False


def read_message(
    message: Message,
    requested_slot: Optional[str],
    current: Dict[str, Any],
    red_flag_groups: Dict[str, Iterable[str]],
) -> Reading:
    """Interpret `message` as the answer to `requested_slot`.

    `current` holds the slots as they are; `red_flag_groups` maps each red-flag group's slot
    to the red flag ids asked in it.
    """
    if message.input_problem:
        # Empty, emoji-only, very long or non-English: say so, and take nothing from it but
        # the red flags of a very long one (it was read; a red flag is never dropped).
        reading = Reading(problem_response=INPUT_PROBLEM_RESPONSE.get(message.input_problem, "utter_rephrase"))
        if message.input_problem == "too_long":
            reading.updates.update(red_flag_updates(message, requested_slot, current, red_flag_groups))
        return reading
    safety = red_flag_updates(message, requested_slot, current, red_flag_groups)
    if message.intent in INTERRUPTION_INTENTS and safety:
        # A red flag counts whatever else the message does ("stop, my chest hurts").
        message = Message("inform", message.entities, message.text)
    if message.intent in INTERRUPTION_INTENTS:
        weak = message.intent in WEAK_INTERRUPTIONS or (
            # "No, running feels good actually", "Held 30 seconds on each leg, pretty steady
            # actually": nothing to change an earlier answer to, or no words of correcting,
            # so an answer to the question asked wins when there is one
            message.intent == "correct" and not is_correction(message))
        if not weak or requested_slot is None:
            return Reading(not_an_answer=True)
        if message.intent in ("start_over", "stop", "goodbye") and says_steering(message.text):
            return Reading(not_an_answer=True)  # they said it in so many words
        if message.intent == "book_gait_analysis" and _BOOKING.search(message.text.lower()):
            return Reading(not_an_answer=True)  # "can I book the gait analysis now?"
        as_answer = Message("inform", message.entities, message.text)
        if not _answer_requested(as_answer, requested_slot, current, red_flag_groups) \
                and message.intent not in ("start_over", "stop", "goodbye") and not unambiguous_answers(message):
            return Reading(not_an_answer=True)  # (a message with facts in it is read whatever its intent)
        # "I'm afraid I don't quite follow", "it was a 9, had to stop" read as stop: ending the
        # screen on a guess throws the runner's answers away, so it is read as an answer (a
        # miss when it answers nothing, and the question comes again)
        message = as_answer

    reading = Reading()
    reading.updates.update(safety)
    consent = message.values("consent", ("keep", "dont_keep"))
    if consent:  # the welcome buttons
        reading.updates[s.STORE_CONSENT] = consent[0] == "keep"
    elif requested_slot is None and message.intent in ("start_screening", "affirm") \
            and consent_from_text(message.text) is not None:  # "start, and you can keep it"
        reading.updates[s.STORE_CONSENT] = consent_from_text(message.text)
    elif requested_slot in s.RED_FLAG_SLOTS and is_welcome_choice(message):
        reading.updates[s.STORE_CONSENT] = consent_from_text(message.text)

    if requested_slot is not None:
        from actions.questions import is_question, question

        parts = check_parts(message, requested_slot, current)
        answer = _answer_requested(parts.pop(requested_check(requested_slot), message), requested_slot,
                                   current, red_flag_groups)
        for choice, part in parts.items():  # "Balance: left wobbled. Donkey kicks: 8 each": read ahead
            for slot, value in _part_report(choice, part, current, red_flag_groups).items():
                answer.setdefault(slot, value)
        if requested_slot in s.RED_FLAG_SLOTS and requested_slot in answer:
            group = group_answer(current, requested_slot, answer[requested_slot])
            answer[requested_slot] = group[requested_slot]
            reading.updates[s.RF_ASKED] = group[s.RF_ASKED]
        # A red flag volunteered in this message outranks "none" for its group.
        for slot, value in answer.items():
            if slot in reading.updates and slot in s.RED_FLAG_SLOTS:
                # "yes, it throbs at night" to "pain of 7 or worse?": both red flags count
                said = reading.updates[slot]
                reading.updates[slot] = said + [x for x in value or [] if x not in said and x != s.NONE]
                continue
            reading.updates[slot] = value
        check = requested_check(requested_slot)
        answered = requested_slot in reading.updates or (check and reading.updates.get(check) == s.SKIP)
        if not answered and not safety and s.RF_PENDING not in answer:
            # (A red flag of another group said here is recorded and confirmed instead; the
            # question asked still needs its own answer, so it simply comes again. Another
            # detail of the same check said here is kept, and this one is asked again.)
            reading.problem_response = question(requested_slot).invalid if is_question(requested_slot) else "utter_rephrase"

    added = False
    for slot, value in _volunteered(message, requested_slot, {**current, **reading.updates}).items():
        if slot in reading.updates:
            continue
        if current.get(slot) is None:
            reading.updates[slot] = value
            added = True
        elif slot in ADDITIVE_SLOTS and isinstance(value, list):
            # "oh and runner's knee a few years back, forgot that one": one more, not instead
            before = [x for x in current.get(slot) or [] if x not in (s.NONE, s.UNSURE, s.SKIPPED)]
            more = [x for x in value if x not in before]
            if more:
                reading.updates[slot] = before + more
                added = True
    added = added or (requested_slot in s.RED_FLAG_SLOTS and s.STORE_CONSENT in reading.updates)
    if added and reading.problem_response and requested_slot not in reading.updates:
        reading.problem_response = None  # it told something else: noted, and the question comes again
    from actions.questions import fill_fine_reports

    reading.updates = fill_fine_reports(current, reading.updates)
    reading.updates.update(_place_opening_story({**current, **reading.updates}, red_flag_groups))
    return reading


def _place_opening_story(merged: Dict[str, Any], red_flag_groups) -> Dict[str, Any]:
    """A confirmed opening warning sign that no group's list explained: once every group is
    answered, and all said "none", it counts as not sure for the most urgent group."""
    if not merged.get(s.RF_UNPLACED):
        return {}
    answers = [merged.get(slot) for slot in red_flag_groups]
    if any(a is None for a in answers):
        return {}  # groups still to ask
    if all(a == [s.NONE] for a in answers):
        return {next(iter(red_flag_groups)): [s.UNSURE], s.RF_UNPLACED: None}
    return {s.RF_UNPLACED: None}  # a group's red flag (or its "yes"/"not sure") placed it


def red_flag_updates(message, requested_slot, current, red_flag_groups) -> Dict[str, Any]:
    """Red flags named anywhere, at any point, are recorded in their own group at once.

    A mention whose negation may or may not cancel it ("I don't think I passed out"), or
    one inside a question ("does a racing heart count?"), is never dropped: it waits in
    RF_PENDING for one confirm question.
    """
    updates: Dict[str, Any] = {}
    asked = is_question_about(message)
    said = message.values("red_flag") if not asked else []
    unsure = message.flags_to_confirm() + (message.values("red_flag") if asked else [])
    for slot, ids in red_flag_groups.items():
        named = [x for x in said if x in set(ids)]
        if named:
            before = [x for x in (current.get(slot) or []) if x in set(ids)]
            updates[slot] = before + [x for x in named if x not in before]
    recorded = {x for slot in red_flag_groups for x in (updates.get(slot) or current.get(slot) or [])}
    waiting = [x for x in (current.get(s.RF_PENDING) or []) if x not in recorded]
    new = [x for x in unsure if x not in recorded and x not in waiting]
    if new:
        updates[s.RF_PENDING] = s.add_pending(
            waiting, new, told_as_past=set(new) <= set(message.values("red_flag", role=PAST)))
    elif len(waiting) != len(current.get(s.RF_PENDING) or []):
        updates[s.RF_PENDING] = s.pending_or_none(waiting)
    return updates


def _confirm_pending(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    """The answer to the confirm question: yes or not sure records the red flags asked
    about in their groups (not sure counts as yes); no drops them."""
    pending = current.get(s.RF_PENDING) or []
    answer = yes_no_from(message)
    if answer is None:
        return {}
    updates: Dict[str, Any] = {s.RF_PENDING: None, s.RF_CONFIRM: None}
    if s.OPENING_STORY in pending and answer in ("yes", "unsure"):
        # a warning sign, but which? Each group's list is asked (none is taken as answered),
        # and a red flag named there places it
        updates[s.RF_UNPLACED] = True
    for slot, ids in red_flag_groups.items():
        if slot in pending:
            # a whole group confirmed: an answer at its question the bot could not tie to one
            # of its red flags
            marker = s.NONE if answer == "no" else s.UNSURE if answer == "unsure" else "yes"
            updates.update(group_answer({**current, **updates}, slot, [marker]))
    if answer in ("yes", "unsure"):
        for slot, ids in red_flag_groups.items():
            named = [x for x in pending if x in set(ids)]
            if named:
                before = [x for x in (updates.get(slot) or current.get(slot) or [])
                          if x in set(ids)]
                updates[slot] = before + [x for x in named if x not in before]
    return updates


def group_answer(current, slot: str, value: List[str]) -> Dict[str, Any]:
    """A red-flag group's answer at its own question: red flags said for the group before
    stay ("none of these" never erases a sign volunteered earlier), and the group counts as
    asked (RF_ASKED)."""
    earlier = [x for x in current.get(slot) or [] if x not in (s.NONE, s.UNSURE, "yes")]
    asked = list(current.get(s.RF_ASKED) or [])
    # "yes, the knee, like I said" to a group whose red flag was named before confirms that
    # one (the same level): the group's every sign is not added to the result
    markers = (s.NONE, "yes", s.UNSURE) if earlier else ()
    return {slot: earlier + [x for x in value or [] if x not in earlier and x not in markers],
            s.RF_ASKED: asked if slot in asked else asked + [slot]}


def _answer_requested(message: Message, slot: str, current, red_flag_groups) -> Dict[str, Any]:
    """The question's own reading (actions/questions.py), then its no-problem answer
    ("fine", "same", "all good"), then "not sure" / "skip" as a recorded non-answer."""
    from actions.questions import question  # the registry builds on the readers below

    q = question(slot)
    if slot in red_flag_groups and is_welcome_choice(message):
        return {}  # its "nothing" is no "none of these"
    answer = q.read(message, current, red_flag_groups)
    if answer:
        return answer
    if slot in red_flag_groups and flags_of_other_groups(message, set(red_flag_groups[slot]), current):
        return {}  # another group's red flag: recorded or confirmed there, and this group stays open
    if q.no_problem is not None and is_no_problem(message):
        return dict(q.no_problem)
    if asks_something(message.text):
        return {}  # "Is normal to feel the back in this exercise?" asks; it neither skips nor gives up
    if message.intent in ("not_sure", "skip") or _UNSURE.search(message.text.lower()):
        if slot in red_flag_groups and not says_doubt(message):
            return {}  # a "not sure" there counts as yes: only doubt in words (or its button) says it
        return q.give_up_updates(current, red_flag_groups)
    return {}


def says_doubt(message: Message) -> bool:
    text = message.text.lower().strip()
    return text.startswith("/") or bool(_UNSURE.search(text) or _HEDGED.search(text))


def asks_something(text: str) -> bool:
    """A question put to the bot: starts with a question word and ends with '?'."""
    text = text.strip().lower()
    return bool(_ASKING.match(text)) and text.endswith("?") and not _UNSURE.search(text)


# ------------------------------------------------------------------ no-problem answers
_NO_PROBLEM = re.compile(
    r"\b(fine|good|ok|okay|normal|grand|great|easy|ez|eazy|easily|perfect|alright|all right|solid|"
    r"steady|stable|no (?:problems?|issues?|trouble|bother|difference|change|worries)|nothing|"
    r"nada|nope|same|the same|equal|equally|even|as usual|not bad|no drama|smooth|smoothly|"
    r"comfortable|comfortably|no dramas|sweet|all good|pain free|no pain|didn'?t hurt)\b")
_PROBLEM = re.compile(
    r"\b(hard|harder|weak|weaker|slow|slower|lazy|struggl\w*|difficult|tough|couldn'?t|"
    r"could not|can'?t|cannot|wobbl\w*|shak\w*|drop\w*|dipp?\w*|cav\w*|fell|lost|barely|"
    r"delay\w*|ages|sluggish|unsteady|over the place|hurt\w*|pain(?!\s*free)|sore|ache\w*|"
    r"(?<!not )bad|badly|poor\w*|rubbish|terrible|awful|wonky|worse|wrong|dodgy|iffy|crap\w*|useless|"
    r"but|except|apart from|only|not (?:fine|good|great|easy|ok|okay|normal|steady|even|the same|right))\b")


def is_no_problem(message: Message, max_words: int = 12) -> bool:
    """"fine", "all good", "no difference", "easy": nothing went wrong, and nothing in the
    message says otherwise. Only a short answer can be that: a long one tells a story."""
    text = message.text.lower()
    if len(text.split()) > max_words:
        return False
    if not _NO_PROBLEM.search(text) or _PROBLEM.search(text.replace("no pain", "")):
        return False
    return not any(e.get("entity") in ("red_flag", "check_fault", "gait_sign", "injury")
                   and e.get("role") not in (NEGATED,) for e in message.entities)


# ------------------------------------------------------------------ red flags
def flags_of_other_groups(message: Message, own, current, derived: Optional[List[str]] = None) -> List[str]:
    """Red flags said, to be confirmed or derived from facts (`derived`, computed when not
    given) in this message that the group `own` does not ask."""
    derived = flags_from_facts(message, current) if derived is None else derived
    said = message.values("red_flag") + message.flags_to_confirm()
    return [x for x in said + derived if x not in own]


def flags_from_facts(message: Message, current) -> List[str]:
    """Red flags the knowledge base derives from facts in this message rather than from red
    flag words (a pain score of 9 is severe pain)."""
    facts = unambiguous_answers(message)
    if not facts:
        return []
    from actions.screen_state import answers_and_result  # the engine builds on this module

    before = set(answers_and_result(current)[1].red_flags)
    return [f for f in answers_and_result({**current, **facts})[1].red_flags if f not in before]


def is_question_about(message: Message) -> bool:
    """"What mean 'warm' here, like hot to touch?": a red flag named in a question is asked
    about, not reported; it gets the confirm question."""
    return message.intent in QUESTION_INTENTS or message.text.strip().endswith("?")


def is_welcome_choice(message: Message) -> bool:
    """"start, keep nothing" typed after the safety questions came up: the welcome's choice,
    not an answer to them (its "nothing" is no "none of these")."""
    text = message.text.lower()
    return len(text.split()) <= 12 and bool(re.search(r"\b(start|begin|go ahead|let'?s go)\b", text)) \
        and consent_from_text(text) is not None \
        and not any(e.get("entity") == "red_flag" for e in message.entities)


def read_red_flag_group(slot: str):
    def read(message: Message, current, red_flag_groups) -> Dict[str, Any]:
        intent, yes_no = message.intent, yes_no_from(message)
        own = set(red_flag_groups.get(slot, ()))
        asked_about = message.values("red_flag") + message.flags_to_confirm()
        if is_question_about(message) and any(x in own for x in asked_about):
            return {}  # the confirm question answers it, and this group is asked again
        derived = flags_from_facts(message, current)  # "it was a 9/10": severe pain
        named = message.values("red_flag", own) + [f for f in derived if f in own]
        if named:
            return {slot: named}
        elsewhere = flags_of_other_groups(message, own, current, derived)
        denies = intent == "deny" or yes_no == "no"
        if elsewhere:
            # Another group's red flag answers only its own group: this one is still open,
            # unless the runner also said "none of these".
            return {slot: [s.NONE]} if denies else {}
        if denies or (message.values("red_flag", own, role=NEGATED) and intent != "affirm"):
            return {slot: [s.NONE]}
        text = message.text.lower().strip()
        if (intent == "not_sure" or yes_no == "unsure") and not says_doubt(message):
            return {}  # "can we be quick please" taken for not sure: no doubt in it, so ask again
        # "watch died halfway round so no idea of my pace, legs felt good": doubt about something
        # else inside a longer message is no answer to the group: it is asked about (below)
        doubt_leads = bool(_UNSURE.match(_LEADING_FILLER.sub("", text) or text))
        if (intent == "not_sure" or yes_no == "unsure") and (
                doubt_leads or len(message.text.split()) <= GROUP_YES_WORDS):
            return {slot: [s.UNSURE]}  # counts as yes to the whole group
        said_yes = (re.findall(r"[a-z']+", text) or [""])[0] in _YES_WORDS or bool(_YES_PHRASE.match(text))
        if is_no_problem(message, max_words=6) and not said_yes:  # "all fine", "nothing like that"
            return {slot: [s.NONE]}
        short = len(message.text.split()) <= GROUP_YES_WORDS
        if (yes_no == "yes" or intent == "affirm") and short:
            return {slot: ["yes"]}  # yes without saying which one: the whole group
        story = (intent in ("inform", "nlu_fallback", None) and len(message.text.split()) > GROUP_YES_WORDS
                 and not is_question_about(message) and not message.text.startswith("/")
                 and not _WHY.match(message.text.lower().strip()))  # "why u asking about my chest" asks
        if intent in ("affirm", "report_red_flag", "not_sure") or yes_no in ("yes", "unsure") or story:
            # A story the bot cannot tie to one of this group's red flags ("got a blister on my
            # toe"): neither a yes nor a no, so ask whether the group applies.
            return {s.RF_PENDING: s.add_pending(current.get(s.RF_PENDING), [slot])}
        return {}
    return read


_WHY = re.compile(r"(why|how come)\b")

# Lists a later message adds to rather than replaces (a forgotten injury, another gait sign,
# a place that hurts too).
ADDITIVE_SLOTS = (s.INJURIES, s.GAIT_SIGNS, s.PAIN_AREAS)

# A "yes" longer than this at a group's question is a story, not a yes ("yes" buttons are one word).
GROUP_YES_WORDS = 6


def read_rf_confirm(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    return _confirm_pending(message, current, red_flag_groups)


# ------------------------------------------------------------------ soreness
_MIDLINE = re.compile(r"(\b(middle|midle|midddle|mid|centre|center|centr|central|centrally|midline|tailbone|tail bone|coccyx|"
                      r"spine|down the middle|neither|no side|not one side|across|not applicable|"
                      r"doesn'?t apply)\b|\bn/?a\b)")


def real_pain_areas(slots) -> List[str]:
    """The places that hurt, without the "none" / "not sure" markers."""
    return [a for a in (slots.get(s.PAIN_AREAS) or []) if a not in (s.NONE, s.UNSURE)]


def _places_named(message: Message) -> List[str]:
    """Body areas named, or the area of an injury named instead ("shin splints")."""
    return message.values("body_part", v.BODY_AREAS) or [
        INJURY_AREA[i] for i in message.values("injury", v.INJURIES) if i in INJURY_AREA]


# "nothing hurts actually!", "nothing's sore", "no pain anywhere"
_NOTHING_HURTS = re.compile(r"\b(?:nothing|nothin|nuthin|nowhere|no ?where|no part)(?:'s| is| really| at all)?\s+(?:hurts?|sore|aches?|"
                            r"painful|bothers me)\b|\bno (?:pain|soreness|aches?)(?: anywhere| at all)?\b|"
                            r"\bpain[- ]free\b|\bdoesn'?t hurt anywhere\b")


def read_pain_areas(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    areas = _places_named(message)
    if areas:
        return {s.PAIN_AREAS: areas, s.NO_PAIN: False, s.PAIN_AREAS_MORE: "done"}
    if message.intent in ("no_pain", "deny") or _NOTHING_HURTS.search(message.text.lower()):
        return {s.PAIN_AREAS: [], s.NO_PAIN: True, s.PAIN_AREAS_MORE: "done"}
    return {}


_JUST_THAT = re.compile(r"\b(just|only|that'?s (?:it|all)|thats (?:it|all)|nothing else|nowhere else|no(?:pe)?|nah|"
                        r"same|as i said|what i said|the one|that one|all)\b")


def read_pain_areas_more(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    """"Anything else hurt?" after a place named in another message: more places are added
    ("my hamstring too"); "just that", "no", or the same place again close the question."""
    before = real_pain_areas(current)
    said = _places_named(message)
    if said:
        updates: Dict[str, Any] = {s.PAIN_AREAS_MORE: "done"}
        more = [a for a in said if a not in before]
        if more:
            updates[s.PAIN_AREAS] = before + more
            side, old_side = pain_side_from(message), current.get(s.PAIN_SIDE)
            if side and old_side and side != old_side:
                updates[s.PAIN_SIDE] = "both"
        return updates
    if message.intent in ("deny", "no_pain") or _JUST_THAT.search(message.text.lower()) \
            or yes_no_from(message) == "no":
        return {s.PAIN_AREAS_MORE: "done"}
    return {}  # a bare "yes": where? (the question comes again, asking for the place)


def pain_side_from(message: Message) -> Optional[str]:
    """The side that hurts: a side said, or both for a pair in the plural ("my shins")."""
    return side_from(message, pain=True) or ("both" if message.values("side", role=PLURAL) else None)


def read_pain_side(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    side = pain_side_from(message)
    if side:
        return {s.PAIN_SIDE: side}
    if _MIDLINE.search(message.text.lower()):
        return {s.PAIN_SIDE: "both"}  # low back, tailbone: the button says "Both / the middle"
    if message.intent == "no_pain" or _NO_PAIN_NOW.search(message.text.lower()):
        return {s.PAIN_AREAS: [], s.NO_PAIN: True}  # "nothing hurts": no side to ask
    return {}


# At the timing question the answer is a time, so words too loose to mean a timing anywhere
# else count here, typos included: "aftr runs", "during speed sessions", "mornings mostly".
_TIMING_WORDS = (
    ("during_runs", re.compile(r"\b(during|durin|durring|dureing|while|whilst|mid|midway|halfway|"
                               r"in the middle|as i run|when i(?:'?m)? run\w*|on (?:the|my|a|long|easy) run\w*|"
                               r"speed ?(?:sessions?|work)|intervals?|tempos?|reps|racing)\b")),
    ("after_runs", re.compile(r"\b(after|aftr|afta|afer|affter|aftet|post|afterwards?|later on|"
                              r"cool(?:ing)? down|when i (?:stop|finish)|once i (?:stop|finish))\b")),
    ("next_morning", re.compile(r"\b(mornings?|next (?:am|a\.m\.?)|am after|next day|day after|first thing|wake up|waking|get up|getting up|"
                                r"out of bed|first steps?)\b")),
)
# "and walking around": pain when walking is a bone-stress sign (see_clinician); it is
# confirmed with the runner, never taken silently.
_WALKING_PAIN = re.compile(r"\b(walk\w*|strolling|stairs)\b")
_NOT_WALKING = re.compile(r"\b(not|no|never|n'?t|except|apart from)\b[^.,;]*\bwalk|"
                          r"\b(fine|ok|okay|normal|no problem)\s+(?:when\s+|while\s+)?walk|"
                          r"\bwalk\w*\s+(?:is\s+|are\s+|'s\s+)?(?:fine|ok|okay|normal)")


_NO_PAIN_NOW = re.compile(r"\b(no pain|nothing hurts|doesn'?t hurt|does not hurt|don'?t hurt|n/a|not applicable|"
                          r"pain ?free|no pains?|nothing(?:'s| is) (?:wrong|sore|hurting))\b|"
                          r"^\W*(?:it |they )?(?:doesn'?t|does not|don'?t|do not|never)\W*$")  # "it doesn't" (hurt)


def read_pain_timing(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    timings = message.values("timing", v.PAIN_TIMINGS)
    text = message.text.lower()
    said_any = any(e.get("entity") == "timing" for e in message.entities)  # negated ones too
    if not timings and not said_any and not text.startswith("/"):
        timings = [timing for timing, words in _TIMING_WORDS if words.search(text)]
    if not timings and said_any:
        # "only when I've sat through a film; never during or after a run": the pain has no
        # running timing, and that is an answer
        return {s.PAIN_TIMING: []}
    if not timings and (message.intent == "no_pain" or _NO_PAIN_NOW.search(text)):
        return {s.PAIN_AREAS: [], s.NO_PAIN: True}  # "N/A, no pain": nothing hurts after all
    if not timings:
        return {}
    updates: Dict[str, Any] = {s.PAIN_TIMING: timings}
    flag = "bone_stress_signs"
    own = [slot for slot, ids in red_flag_groups.items() if flag in set(ids)]
    if own and _WALKING_PAIN.search(text) and not _NOT_WALKING.search(text) \
            and flag not in (current.get(own[0]) or []) and not message.values("red_flag"):
        updates[s.RF_PENDING] = s.add_pending(current.get(s.RF_PENDING), [flag])
    return updates


def read_pain_severity(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    # The question asks for the worst: "3 most days, 8 on long runs" is an 8
    for roles in (("pain",), (None,)):
        scores = [n for n in message.numbers(roles=roles) if 0 <= n <= 10]
        if scores:
            return {s.PAIN_SEVERITY: max(scores)}
    if message.intent == "no_pain":
        return {s.PAIN_SEVERITY: 0.0}
    return {}


# ------------------------------------------------------------------ effort and history
def read_running_effort(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    # A leading "yes" / "no" answers it ("yes, even without the buggy I feel sluggish": the
    # "without" there negates the buggy, not the effort)
    first = (re.findall(r"[a-z']+", message.text.lower()) or [""])[0]
    if is_asking(message.text) and first not in _YES_WORDS | _NO_WORDS:
        return {}  # "is it bad if it does?" asks back; it answers nothing
    changed = _changed_mind(message.text.lower().strip())
    if changed:  # "no. no wait, yes actually, ..."
        return {s.RUNNING_EFFORT: changed}
    leading = None if _UNSURE.match(message.text.lower().strip()) else \
        "yes" if first in _YES_WORDS - {"ok", "okay", "sure"} else \
        "no" if first in _NO_WORDS - {"not"} | {"normal", "fine"} else None  # "normal i think, it's hard but I'm new"
    answer = leading or effort_from(message) or _DEGREE.match(message.text.lower().strip()) and "yes" \
        or yes_no_from(message)
    return {s.RUNNING_EFFORT: answer} if answer else {}


# "a little, yes", "a bit", "slightly": running feels harder, to a degree
_DEGREE = re.compile(r"^(?:a (?:little|bit|tad|touch)|bit|slightly|somewhat|a little bit|a wee bit)\b(?![^.!?]*\b(?:no|not|nope|nah)\b)")


# "it keeps flaring up", "most winters", "pulled it three times": the injury comes back.
_RECURS = re.compile(
    r"\b(keeps? (?:on )?(?:coming back|flaring|recurring|returning|happening|going|\w+ing)|flares? up|flaring up|"
    r"comes? back|came back|back again|(?:it'?s|it is|its|they'?re|it'?s come) back|returned|"
    r"every (?:winter|year|season|spring|summer|autumn|few months|"
    r"time|marathon|block)|most (?:winters|years|seasons|summers|springs)|again and again|on and off|"
    r"on-off|recurr\w*|chronic|repeatedly|regularly|twice|(?:\d+|two|three|four|five|several|a few|"
    r"few|many|multiple|couple of) times|same (?:one|thing|injury|problem) again|always)\b")
# "it hasn't come back", "never flared up again": the same words, denied.
_NOT_RECURS = re.compile(r"\b(hasn'?t|hasnt|haven'?t|havent|never|not|didn'?t|didnt|won'?t|doesn'?t|doesnt)\s+"
                         r"(?:\w+\s+)?(?:come|came|comes|coming|flare\w*|recur\w*|returned|been back)\b")


def recurs_in(text: str) -> bool:
    text = text.lower()
    return bool(_RECURS.search(text)) and not _NOT_RECURS.search(text)


# "the same problem as now", "only this one", "what I told you": the injury is the current pain.
_POINTS_BACK = re.compile(
    r"\b(same|this one|that one|the one|what i (?:told|said|mentioned)|as i (?:said|mentioned)|"
    r"already (?:said|told|mentioned)|i told you|i said|mentioned|current\w*|right now|at the moment|"
    r"(?:only|just) (?:this|that|it)|this (?:problem|pain|injury|issue|thing|niggle)|it'?s back)\b")
AREA_INJURY = {area: injury for injury, area in INJURY_AREA.items()}


def _current_injuries(current) -> List[str]:
    return [AREA_INJURY.get(a, "other_injury") for a in real_pain_areas(current)]


_NO_INJURY = re.compile(r"^\W*(no|none|nope|nah|never|not really|nothing)\b")
# One answer, two questions: "shin splints last year, just the once" never came back
_ONE_OFF = re.compile(r"\b(just the once|only the once|just once|only once|(?:just |only )?one time(?: only)?|a one[- ]off|"
                      r"once only|never (?:came|come|been) back|(?:hasn'?t|has not|didn'?t|did not|never) (?:come|came) back|"
                      r"never returned|never had it again|not since|fine ever since|no trouble since)\b")


def read_injuries(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    injuries = message.values("injury", v.INJURIES)
    text = message.text.lower()
    if message.intent not in ("deny", "no_pain") and not _NO_INJURY.search(text):
        # "an IT band thing before that", "tore a hamstring in 1998": a body part named here
        # is an injury there, unless a named injury already covers it ("PF in my left foot")
        covered = {INJURY_AREA.get(i) for i in injuries}
        named = message.values("body_part", v.BODY_AREAS) + message.values("body_part", v.BODY_AREAS, role=PAST)
        injuries = injuries + list(dict.fromkeys(AREA_INJURY[a] for a in named
                                                 if a in AREA_INJURY and a not in covered and AREA_INJURY[a] not in injuries))
    recurs = recurs_in(text)
    if not injuries and (recurs or _POINTS_BACK.search(text)) and message.intent not in ("deny", "no_pain"):
        injuries = _current_injuries(current)
        if injuries and _POINTS_BACK.search(text) and re.search(r"\b(same|again|before)\b", text):
            recurs = True  # "the same problem as now" has happened before
    if injuries:
        updates: Dict[str, Any] = {s.INJURIES: injuries}
        if recurs:
            updates[s.INJURY_RECURRING] = "yes"
        elif _ONE_OFF.search(text):
            updates[s.INJURY_RECURRING] = "no"  # "shin splints last year, just the once"
        return updates
    if message.intent in ("deny", "no_pain") or yes_no_from(message) == "no":
        return {s.INJURIES: [s.NONE]}
    return {}


def read_injury_recurring(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    if recurs_in(message.text) and message.intent != "deny":
        return {s.INJURY_RECURRING: "yes"}
    if _ONE_OFF.search(message.text.lower()):
        return {s.INJURY_RECURRING: "no"}  # "like a year ago. hasnt come back"
    answer = yes_no_from(message)
    return {s.INJURY_RECURRING: answer} if answer else {}


# Parts, then a total: "school so like 7 hrs plus homework, idk 9?", "9 to 5 plus an hour
# each way on the train, 10 at least". The largest figure is the day's sitting.
_SITTING_PARTS = re.compile(r"(\+|\b(plus|then|on top|each way|commute|commuting|and also|as well|"
                            r"so|idk|maybe|probably|at least|total|altogether|all in|in all)\b)")


# "maybe 2 hours, I'm on my feet for 12 hour shifts": hours on your feet are not sitting
_STANDING = re.compile(r"\b(on my feet|on (?:my|our) legs|standing|stand|stood|walking|on the go|on the move|"
                       r"moving about|running around)\b")


def _sitting_figures(message: Message) -> List[float]:
    text = message.text.lower()
    figures = []
    for e in message.entities:
        if e.get("entity") != "number" or e.get("role") not in ("hours", None):
            continue
        number = to_number(e.get("value"))
        if number is None or not 0 <= number <= 24:
            continue
        start = e.get("start", 0)
        begin = max([m.end() for m in re.finditer(r"[,.;!?]|\bbut\b", text[:start])] or [0])
        end = min([start + m.start() for m in re.finditer(r"[,.;!?]|\bbut\b", text[start:])] or [len(text)])
        figures.append((number, bool(_STANDING.search(text[begin:end]))))
    if not figures:  # numbers the extractor did not mark ("9ish")
        return [n for n in message.numbers(roles=("hours", None)) if 0 <= n <= 24]
    seated = [n for n, standing in figures if not standing]
    return seated or [n for n, _ in figures]


def _sitting_parts_to_add(message: Message) -> Optional[float]:
    """"school like 6 and gaming 3", "6 at work + 2 in the car": parts of the day, added up
    (not "6 or 7", "9 to 5", nor parts followed by their total)."""
    text = message.text.lower()
    numbers = sorted((e["start"], e["end"], to_number(e.get("value"))) for e in message.entities
                     if e.get("entity") == "number" and e.get("role") in ("hours", None) and "start" in e)
    if len(numbers) < 2 or _SITTING_PARTS.search(re.sub(r"\+|\bplus\b", " ", text)) \
            or not _SITTING_CONTEXT.search(text):
        return None
    cuts = [0]
    for (_, end, _), (start, _, _) in zip(numbers, numbers[1:]):
        joins = list(re.finditer(r"\band\b|\+|\bplus\b", text[end:start]))
        if not joins or re.search(r"\b(?:or|to)\b|-", text[end:start]):
            return None
        cuts.append(end + joins[-1].start())
    cuts.append(len(text))
    if not all(_SITTING_CONTEXT.search(text[a:b]) for a, b in zip(cuts, cuts[1:])):
        return None  # "work 8 hours and I run 1 hour": each part must be time sitting
    total = sum(n for _, _, n in numbers if n is not None)
    return total if all(n is not None and 0 < n <= 16 for _, _, n in numbers) and total <= 24 else None


def read_sitting_hours(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    hours = _sitting_figures(message)
    if not hours:
        return {}
    added = _sitting_parts_to_add(message)
    if added is not None:
        return {s.SITTING_HOURS: added}
    if len(hours) > 1 and _SITTING_PARTS.search(message.text.lower()):
        return {s.SITTING_HOURS: max(hours)}
    return {s.SITTING_HOURS: hours[0]}


# At the gait question, what a coach or a friend said, in looser words than the lexicon
# takes anywhere else ("my hips go forward, like a duck", "I kick my own ankles").
_GAIT_WORDS = (
    ("overstriding", re.compile(r"\b(over ?-?strid\w*|heel ?strik\w*|land\w* (?:\w+ )?(?:on my heels?|in front|ahead|"
                                r"out in front|too far)|reach\w* (?:out )?with my (?:foot|feet|legs?))\b")),
    ("low_knee_drive", re.compile(r"\b(knees? (?:are |is |stay |stays )?(?:low|down)|knees? (?:don'?t|doesn'?t|never|barely) "
                                  r"(?:lift|come up|rise)|shuffl\w*|no knee (?:lift|drive))\b")),
    ("anterior_pelvic_tilt", re.compile(r"\b((?:hips?|pelvis|bum|butt|backside) (?:go|goes|going|went|tip\w*|tilt\w*|"
                                        r"stick\w*|push\w*|poke\w*) (?:forward|out|back)|pelvis (?:is )?tilt\w*|"
                                        r"arch\w* (?:my |the )?back|back (?:is )?(?:very |really |too )?(?:curved|arched)|"
                                        r"duck|sway ?back|anterior tilt)\b")),
    ("pelvic_drop", re.compile(r"\b(hips? (?:drop|dip|sag|sink)\w*|(?:drop|dip)\w* (?:a |my |one |the )?hip|"
                               r"hips? (?:go|goes) (?:up and )?down)\b")),
    ("crossover", re.compile(r"\b(cross\w*(?: over)?|kick\w* (?:my )?(?:own )?ankles?|clip\w* (?:my )?(?:own )?ankles?|"
                             r"ankles? (?:knock|clip|bash|hit|bump)\w*|tightrope|scissor\w*|feet (?:land )?in (?:a )?line)\b")),
    ("forward_lean", re.compile(r"\b(lean\w*(?: forward)?|bent over|hunch\w*|stoop\w*|bend\w* (?:forward|at the hips?))\b")),
)


def read_gait_signs(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    signs = message.values("gait_sign", v.GAIT_SIGNS)
    text = message.text.lower()
    if not signs and not any(e.get("entity") == "gait_sign" for e in message.entities) \
            and not text.startswith("/") and message.intent not in ("deny", "no_pain"):
        signs = [sign for sign, words in _GAIT_WORDS if words.search(text)]
    if signs:
        return {s.GAIT_SIGNS: signs}
    if message.intent == "deny" or yes_no_from(message) == "no":
        return {s.GAIT_SIGNS: [s.NONE]}
    if message.intent in ("skip", "not_sure"):
        return {s.GAIT_SIGNS: [s.SKIPPED]}
    return {}


def read_store_consent(message: Message, current, red_flag_groups) -> Dict[str, Any]:
    answer = yes_no_from(message)
    return {s.STORE_CONSENT: answer == "yes"} if answer else {}  # only a clear yes keeps anything


# ------------------------------------------------------------------ the self-checks
# Each check reads the whole message wherever it is said: at "try it now?", at the open
# "how did it go?" or at any of its follow-ups. A no-problem report completes the check.
_SIDE_TROUBLE = re.compile(
    r"\b(hard|harder|hardest|weak|weaker|slow|slower|lazy|lazier|struggl\w*|difficult|tough|"
    r"couldn'?t|could not|can'?t|barely|ages|delay\w*|sluggish|less|worse|took a while|"
    r"not as|didn'?t|did not|wobbl\w*|shak\w*|unsteady|over the place|drop\w*|dipp?\w*|sag\w*|"
    r"cav\w*|fell|lost|trouble|problem|issue|bad|poor|rubbish|terrible|awful|wonky|off|wrong|odd|"
    r"weird|strange|elsewhere|not right|sloppy|messy|ragged|lost (?:my |the )?form|form (?:went|broke|fell apart))\b")
_EACH = re.compile(r"\b(each|both|either|every|all)\b")
_DOING = re.compile(r"\b((?<!not )going(?! to)|(?<!not )done|did (?:it|them|that|those)|already did|finished|here we go|starting now|i do now|doing it|doing them|doing this|trying it|try it now|i'?ll try|will try|"
                    r"trying now|give it a go|giving it a go|here goes|on it|let me try|can do|i'?ll do|"
                    r"will do|going to try|gonna try|about to try|let'?s do)\b")
_SKIPPING = re.compile(r"\b(skip|skipping|pass|not now|later|no room|rather not|no thanks|next one|not today|"
                       r"don'?t want|can'?t (?:lie|do|get|kneel)|cannot|not able)\b")
_AGREE = re.compile(r"\b(do|try|go|ready|now|ok|okay|sure|yes|yep|yeah|ya|alright|fine|got|standing|certainly|course|"
                    r"floor|mirror|wall|chair)\b")
_ASKING = re.compile(r"^(is|are|can|could|should|do|does|did|what|how|why|will|would|where|when|which|am|must)\b")
_DONE = re.compile(r"\b(did|done|tried|went|was|were|felt|managed|held|did it|already|finished)\b")
_NO_PAIN_SAID = re.compile(r"\b(no|not|without|never|didn'?t|did not)\s+(\w+\s+)?(hurt\w*|pain\w*|sore|ache\w*)")
_HIP_PAIN = re.compile(r"\b(hurt\w*|pain\w*|sore|ache\w*|aching|twinge\w*|burn\w*|niggl\w*)\b")


_CLAUSE_BREAK = re.compile(r"[.;!?]+|,|\b(?:but|whereas|while|although|though|and then|then)\b")
_SENTENCE_BREAK = re.compile(r"[.!?;\n]+")
_FULL_STOP = re.compile(r"[.;!?]+")


def _cut_points(text: str, breaks: "re.Pattern[str]") -> List[int]:
    """Where the parts of `text` begin: 0, after each break, and one past the end."""
    return [0] + [m.end() for m in breaks.finditer(text)] + [len(text) + 1]


def _part_around(cuts: List[int], i: int) -> Tuple[int, int]:
    """The part of the text (begin, end) that position `i` is in."""
    return max(c for c in cuts if c <= i), min(c for c in cuts if c > i)
_SIDE_FINE = re.compile(
    r"\b(fine|ok|okay|solid|steady|stable|held|hold|easy|ez|easily|good|strong|great|perfect|normal|"
    r"straight away|right away|instantly|immediately|no problem|no issues?|no wobbles?|full 30|"
    r"came on|switched on|fired)\b")
_NEGATED_TROUBLE = re.compile(r"\b(no|not|nothing|none|neither|didn'?t|did not|never|without|barely any|hardly)\s+(\w+\s+)?"
                              r"(wobbl\w*|shak\w*|drop\w*|dip\w*|problem|issue|trouble|hard|struggl\w*|"
                              r"hurt\w*|pain\w*|sore|stop\w*)")
# "right leg hurt, had to stop", "put my foot down after 10 seconds": that side had trouble.
_TROUBLE_EXTRA = re.compile(r"\b(took|kick in|lag\w*|later|behind|grab\w*|rolling|rolled|collaps\w*|gave way|"
                            r"gives way|tipp\w*|lean\w*|had to stop|stopp\w*|gave up|put (?:my|the) foot down|"
                            r"hurt\w*|pain(?!\s*free)\w*|sore)\b")


def _clause_trouble(clause: str) -> Optional[bool]:
    """True: this part of the report says something went wrong; False: it says it went
    fine; None: it says neither."""
    cleaned = _NEGATED_TROUBLE.sub(" fine ", clause)
    if _SIDE_TROUBLE.search(cleaned) or _TROUBLE_EXTRA.search(cleaned):
        return True
    if _SIDE_FINE.search(cleaned) or _SAME_SIDES.search(cleaned):
        return False
    return None


def _check_side(message: Message) -> Optional[str]:
    """The side a self-check report says had trouble ("left, right or both"), "neither" when
    the sides were alike or fine. Each part of the report is judged on its own: "left was
    solid, on the right my knee rolled in" is the right side."""
    text = message.text.lower()
    if text.startswith("/"):  # a button: its side is the answer
        return side_from(message)
    sides = [e for e in message.entities if e.get("entity") == "side" and e.get("role") not in (NEGATED, PLURAL)
             and e.get("value") in v.SIDES and "start" in e]
    if not sides:
        side = side_from(message)  # a button, or no offsets
        if side is None:
            if _SAME_SIDES.search(text) and not _SIDE_TROUBLE.search(_NEGATED_TROUBLE.sub(" ", text)):
                return "neither"
            return None
        return side if (_SIDE_TROUBLE.search(text) or not is_no_problem(message)) else "neither"
    cuts = _cut_points(text, _CLAUSE_BREAK)
    troubled, judged = set(), False
    for e in sides:
        begin, end = _part_around(cuts, e["start"])
        verdict = _clause_trouble(text[begin:end])
        if verdict is None:
            # "the right took a second to kick in": the words may sit just after the side
            verdict = _clause_trouble(text[begin:min(len(text), end + 40)])
        if verdict is not None:
            judged = True
        if verdict:
            troubled |= {"left", "right"} if e["value"] == "both" else {e["value"]}
    # "On the right leg also 30 but my knee is going to the inside": a fault said after a side,
    # in its sentence and before the next side, is that side's
    faults = [f for f in message.entities if f.get("entity") == "check_fault" and f.get("role") != NEGATED
              and "start" in f]
    sentences = _cut_points(text, _SENTENCE_BREAK)
    ordered = sorted(sides, key=lambda x: x["start"])
    for i, e in enumerate(ordered):
        upto = min(_part_around(sentences, e["start"])[1],
                   ordered[i + 1]["start"] if i + 1 < len(ordered) else len(text))
        if any(e["start"] < f["start"] < upto for f in faults):
            troubled |= {"left", "right"} if e["value"] == "both" else {e["value"]}
    if troubled:
        return "both" if troubled == {"left", "right"} else troubled.pop()
    if judged or _SAME_SIDES.search(text) or _SIDE_FINE.search(text) or is_no_problem(message):
        return "neither"
    return sides[0]["value"] if _SIDE_TROUBLE.search(_UNSURE.sub(" ", text)) else None


def read_activation(slot: str):
    def read(message: Message, current, red_flag_groups) -> Dict[str, Any]:
        updates: Dict[str, Any] = {}
        side = _check_side(message)
        if side is None and slot == s.ACTIVATION_HARDER_SIDE:
            side = side_from(message)  # "both" to "was one side harder?" names the harder side
        if side:
            updates[s.ACTIVATION_HARDER_SIDE] = side
        elif slot == s.ACTIVATION_HARDER_SIDE and message.intent in ("deny", "not_sure"):
            updates[s.ACTIVATION_HARDER_SIDE] = "neither"
        sites = message.values("body_part", v.EFFORT_SITES)
        if sites:
            updates[s.ACTIVATION_FELT_WHERE] = sites
        return _with_report(slot, s.ACTIVATION_CHOICE, s.ACTIVATION_REPORT, updates, message, current)
    return read


_LOST_BALANCE = re.compile(r"\b(foot down|touch\w*|wobbl\w*|lost|grab\w*|hold|held|lasted|managed|only|"
                           r"had to|gave up|fell|stopp?\w*|put)\b")


def _short_hold(message: Message) -> Optional[Dict[str, Any]]:
    """The time of a hold shorter than 30 seconds: "only ~15s then foot down", "after maybe
    20 seconds the side of my hip hurt, so I stop". A time that only tells when the hip began
    to ache ("the outside of my hip started aching after about 15 seconds") is none."""
    text = message.text.lower()
    cuts = _cut_points(text, _CLAUSE_BREAK)
    for e in message.entities:
        seconds = to_number(e.get("value")) if e.get("entity") == "number" and e.get("role") == "seconds" else None
        if seconds is None or seconds >= 30:
            continue
        if "start" not in e:
            return e
        begin, end = _part_around(cuts, e["start"])
        following = min([c for c in cuts if c > end] or [end])  # "..., so I stop"
        if not (_HIP_PAIN.search(text[begin:end]) and not _LOST_BALANCE.search(text[begin:following])):
            return e
    return None


def _side_of(message: Message, position: int) -> Optional[str]:
    """The side said in the sentence part around `position` ("on the right leg after 20 s")."""
    text = message.text.lower()
    begin, end = _part_around(_cut_points(text, _SENTENCE_BREAK), position)
    sides = [e.get("value") for e in message.entities if e.get("entity") == "side" and e.get("role") != NEGATED
             and e.get("value") in ("left", "right") and begin <= e.get("start", -1) < end]
    return sides[0] if len(set(sides)) == 1 else None


def read_balance(slot: str):
    def read(message: Message, current, red_flag_groups) -> Dict[str, Any]:
        updates: Dict[str, Any] = {}
        text = message.text.lower()
        faults = message.values("check_fault", v.BALANCE_FAULTS)
        held = {k: v for k, v in reps_by_side(message).items() if k in ("left", "right")} \
            if not message.numbers(roles=("seconds",)) else {}
        short_sides = [k for k, v in held.items() if v < 30]
        short = _short_hold(message)
        if (short or short_sides) and "could_not_hold" not in faults:
            faults.append("could_not_hold")  # "L 30 R 18": seconds held on each leg
        # pain at the side of the hip is a finding of its own, no wobble: "right leg standing
        # the side of hip hurt little" names no leg that could not balance
        painless = _HIP_PAIN.sub(lambda m: " " * len(m.group()), message.text)
        side = _check_side(Message(message.intent, message.entities, painless))
        if short_sides and held.keys() >= {"left", "right"}:
            side = "both" if len(short_sides) == 2 else short_sides[0]
        if side in (None, "neither") and short and "start" in short:
            side = _side_of(message, short["start"]) or side  # the leg that did not last
        if side is None and (faults or slot == s.BALANCE_PROBLEM_SIDE):
            side = side_from(message)  # the question asks which leg had the trouble
        if side:
            updates[s.BALANCE_PROBLEM_SIDE] = side
        elif slot == s.BALANCE_PROBLEM_SIDE and message.intent in ("deny", "not_sure"):
            updates[s.BALANCE_PROBLEM_SIDE] = "neither"
        if faults:
            updates[s.BALANCE_FAULTS] = faults
        hip = [e for e in message.entities if e.get("entity") == "body_part" and e.get("value") in ("hip", "glute")]
        if (any(e.get("role") != NEGATED for e in hip) or re.search(r"\bhip", text)) and \
                _HIP_PAIN.search(_NO_PAIN_SAID.sub(" ", text)):
            updates[s.BALANCE_HIP_PAIN] = "yes"
        elif re.search(r"\b(no (?:hip )?pain|pain free|didn'?t hurt|nothing hurt|no hurt)\b", text) or (
                hip and all(e.get("role") == NEGATED for e in hip)):
            updates[s.BALANCE_HIP_PAIN] = "no"
        elif slot == s.BALANCE_HIP_PAIN and yes_no_from(message):
            updates[s.BALANCE_HIP_PAIN] = yes_no_from(message)
        return _with_report(slot, s.BALANCE_CHOICE, s.BALANCE_REPORT, updates, message, current)
    return read


def reps_by_side(message: Message) -> Dict[str, float]:
    numbers = [e for e in message.entities if e.get("entity") == "number"
               and e.get("role") in (None, "reps") and to_number(e.get("value")) is not None
               and 0 <= to_number(e.get("value")) <= 30]
    if not numbers:
        bare = [n for n in message.numbers(roles=("reps", None)) if 0 <= n <= 30]
        return {"one": bare[0]} if bare else {}
    # (a side said to be fine, "right was fine, 10", still owns its number)
    sides = [e for e in message.entities if e.get("entity") == "side" and e.get("role") != PLURAL
             and e.get("value") in ("left", "right") and "start" in e]
    if len(numbers) >= 2 and sides:
        # "only managed 4 on the right, 8 on the left": a number goes with the side in its own
        # part of the sentence, else with a side earlier in its sentence ("Right was fine, 10.
        # Left only 4"), else with the nearest side
        text = message.text.lower()
        bounds = _cut_points(text, _CLAUSE_BREAK)
        stops = _cut_points(text, _FULL_STOP)

        def clause(i: int) -> int:
            return _part_around(bounds, i)[0]

        def sentence(i: int) -> int:
            return _part_around(stops, i)[0]

        out: Dict[str, float] = {}
        for n in numbers:
            start = n.get("start", 0)
            same = [e for e in sides if clause(e["start"]) == clause(start)]
            earlier = [e for e in sides if sentence(e["start"]) == sentence(start) and e["start"] < start]
            nearest = min(same or earlier or sides, key=lambda e: abs(e["start"] - start))
            out.setdefault(nearest["value"], to_number(n["value"]))
        return out
    value = to_number(numbers[0]["value"])
    side = side_from(message)
    if _EACH.search(message.text.lower()) or side == "both":
        return {"left": value, "right": value}
    if side in ("left", "right"):
        return {side: value}
    return {"one": value}


# "the hamstring did the work", "felt it in my back more than my bum": at the donkey kick, the
# lift done by another muscle is a glute not felt
_WORK_ELSEWHERE = re.compile(r"\b(?:did|does|doing|do) (?:the |all the |most of the )?work\b|\b(?:take|takes|taking|took) over\b|"
                             r"\bmore than\b|\bmostly\b|\binstead\b|\b(?:felt|feel|feeling) (?:it|them)\b")
_GLUTE_STAND_INS = ("hamstring", "low_back")


def _glute_left_out(message: Message) -> List[str]:
    stand_ins = [e for e in message.entities if e.get("entity") == "body_part"
                 and e.get("value") in _GLUTE_STAND_INS and e.get("role") != NEGATED]
    return ["glute_not_felt"] if stand_ins and _WORK_ELSEWHERE.search(message.text.lower()) else []


def read_donkey(slot: str):
    def read(message: Message, current, red_flag_groups) -> Dict[str, Any]:
        updates: Dict[str, Any] = {}
        text = message.text.lower()
        faults = message.values("check_fault", v.DONKEY_FAULTS) or _glute_left_out(message)
        if faults:
            updates[s.DONKEY_FAULTS] = faults
        elif slot == s.DONKEY_FAULTS and (message.intent == "deny" or yes_no_from(message) == "no"):
            updates[s.DONKEY_FAULTS] = [s.NONE]
        reps = reps_by_side(message)
        if "one" in reps:
            if slot in (s.DONKEY_REPS_LEFT, s.DONKEY_REPS_RIGHT):
                reps = {"left" if slot == s.DONKEY_REPS_LEFT else "right": reps["one"]}
            else:
                reps = {}
        if slot == s.DONKEY_REPS_RIGHT and not reps and re.search(r"\b(same|ditto|also|too)\b", text) \
                and current.get(s.DONKEY_REPS_LEFT) is not None:
            reps = {"right": current[s.DONKEY_REPS_LEFT]}  # "same as the left"
        if "left" in reps:
            updates[s.DONKEY_REPS_LEFT] = reps["left"]
        if "right" in reps:
            updates[s.DONKEY_REPS_RIGHT] = reps["right"]
        return _with_report(slot, s.DONKEY_CHOICE, s.DONKEY_REPORT, updates, message, current)
    return read


# A self-check named in a report ("Squeeze: ... Balance: ... Donkey kicks: ..."); "kick in" is
# a muscle switching on, not the donkey kick.
_CHECK_NAMES = {
    s.ACTIVATION_CHOICE: re.compile(r"\b(squeez\w*|activation)\b"),
    s.BALANCE_CHOICE: re.compile(r"\b(balanc\w*|knee[- ]drive|single[- ]leg|one[- ]leg(?:ged)? (?:stand|balance))\b"),
    s.DONKEY_CHOICE: re.compile(r"\b(donkey\w*|kicks?\b(?! in\b))"),
}


def requested_check(requested_slot: Optional[str]) -> Optional[str]:
    from actions.questions import is_question, question

    return question(requested_slot).check if is_question(requested_slot) else None


def check_parts(message: Message, requested_slot: Optional[str], current) -> Dict[Optional[str], Message]:
    """At a self-check's question, the parts of a message about self-checks not offered yet,
    each as a message of its own (other text blanked, so entity offsets hold), and the part
    about the check being asked. Empty when the message names no other check."""
    own = requested_check(requested_slot)
    if own is None or message.text.startswith("/"):
        return {}
    text = message.text.lower()
    marks = sorted((m.start(), choice) for choice, rx in _CHECK_NAMES.items() for m in rx.finditer(text)
                   if choice == own or current.get(choice) is None)
    spans: Dict[Optional[str], List[Tuple[int, int]]] = {own: [(0, marks[0][0] if marks else len(text))]}
    for i, (start, choice) in enumerate(marks):
        end = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        spans.setdefault(choice, []).append((start, end))
    if set(spans) == {own}:
        return {}
    return {choice: _only(message, ranges) for choice, ranges in spans.items()}


def _only(message: Message, ranges: List[Tuple[int, int]]) -> Message:
    def kept(i: int) -> bool:
        return any(a <= i < b for a, b in ranges)

    text = "".join(c if kept(i) else " " for i, c in enumerate(message.text))
    entities = [e for e in message.entities if "start" in e and kept(e["start"])]
    return Message("inform", entities, text)


def _part_report(choice: str, part: Message, current, red_flag_groups) -> Dict[str, Any]:
    """What the part of a message about a check not offered yet tells: how it went, or that
    it was skipped."""
    from actions.questions import question, report_of

    report = report_of(choice)
    updates = question(report).read(part, current, red_flag_groups)
    if report in updates:
        return {choice: s.DO_NOW, **updates}
    if question(choice).read(part, current, red_flag_groups).get(choice) == s.SKIP:
        return {choice: s.SKIP}
    return {}


def _with_report(slot, choice, report, updates, message: Message, current) -> Dict[str, Any]:
    """Adds what a message means for the check as a whole: done or skipped, and whether
    the report was a no-problem one."""
    intent = message.intent
    text = message.text.lower()
    # "Ok, I'm next to the kitchen counter, going." read as skip: words of agreeing and
    # none of skipping outweigh the classifier
    if slot == choice and asks_something(text) and not _SKIPPING.search(text):
        return {}  # "Is normal to feel the back in this exercise?": a question, not a skip
    if slot == choice and is_correction(message):
        return {}  # "sorry, it was the right that was harder": the last check's answer changes
    doing = bool(_DOING.search(text)) or (
        slot == choice and bool(_AGREE.search(text)) and not _SKIPPING.search(text) and yes_no_from(message) != "no")
    # "My back is arching, I cannot stop it. I did 6 in each leg": a report, whatever its words
    if not updates and ((intent == "skip" and not doing) or _SKIPPING.search(text) and not doing
                        or (intent == "deny" and slot == choice and not doing)):
        return {choice: s.SKIP}
    # "steady, no pain": a hip that did not hurt is part of a no-problem report
    told = {k: v for k, v in updates.items() if not (k == s.BALANCE_HIP_PAIN and v == "no")}
    fine = not told and is_no_problem(message)
    if slot == choice:
        # "ok", "sure", "fine" at "try it now?" agree to try it; only a message that tells
        # how it went ("did it, all fine") is a report.
        fine = fine and bool(_DONE.search(message.text.lower()))
        if updates or fine:  # someone who already did it and tells us how it went
            return {choice: s.DO_NOW, report: s.FINE if fine else s.TOLD, **updates}
        if doing or intent in ("affirm", "start_screening") or yes_no_from(message) == "yes" or (
                _AGREE.search(text) and yes_no_from(message) != "no"):
            return {choice: s.DO_NOW}  # whatever the intent classifier made of "trying it now"
        return {}
    if slot == report:
        if fine:
            return {report: s.FINE, **updates}
        if updates or _SIDE_TROUBLE.search(message.text.lower()) or intent == "not_sure" \
                or _UNSURE.search(message.text.lower()):
            return {report: s.TOLD, **updates}  # the follow-ups ask what it left out
        return {}
    return updates


_PAIN_CUE = re.compile(
    r"\b(bug\w*|hurt\w*|pain\w*|sore\w*|ach\w*|tight\w*|niggl\w*|twing\w*|stiff\w*|injur\w*|killing|"
    r"throb\w*|burn\w*|tender|swell\w*|swollen|bother\w*|problem\w*|issue\w*|agony|strain\w*|pulled|"
    r"tweak\w*|flar\w*|grumbl\w*|complain\w*|play\w* up|acting up|bad|dodgy|wonky|kills|sharp|dull)\b")


def sore_areas(message: Message) -> List[str]:
    """Body parts named in a sentence that says something hurts."""
    text = message.text or ""
    cuts = _cut_points(text, _SENTENCE_BREAK)
    found: List[str] = []
    for e in message.entities:
        if e.get("entity") != "body_part" or e.get("role") or e.get("value") not in v.BODY_AREAS:
            continue
        start = e.get("start")
        if start is None:  # a button payload: it is the answer
            sentence = text
        else:
            begin, end = _part_around(cuts, start)
            sentence = text[begin:end]
        if e["value"] == "glute" and start is not None and _GLUTE_TOPIC.search(
                text[max(0, start - 20):e.get("end", start) + 25].lower()):
            continue  # the glutes as the screener's topic, not as a sore place
        if _PAST_INJURY.search(sentence.lower()) and not _PAIN_NOW.search(sentence.lower()):
            continue  # "Past injuries: a stress fracture in my left foot in 2019": history, not pain now
        if _PAIN_CUE.search(sentence.lower()) and e["value"] not in found:
            found.append(e["value"])
    return found


_PAST_INJURY = re.compile(r"\b(past injur\w*|previous injur\w*|old injur\w*|injur\w* history|history of|"
                          r"in (?:19|20)\d\d|years? ago|used to|back in|a while back|long time ago)\b")
_PAIN_NOW = re.compile(r"\b(now|at the moment|currently|still|lately|these days|this week|today|"
                       r"hurts|is sore|aches|is killing)\b")


_GLUTE_TOPIC = re.compile(
    r"(glute\w*|bum|butt)\s+(thing|problem|issue|weak\w*|dysfunction|activation|strength|related|amnesia|"
    r"question|check|screen\w*)|(weak|lazy|sleepy|dead|curious about|about|check|test)\s+(my\s+)?(glute|bum|butt)")


_PLACE_BREAK = re.compile(r"[,.;!?\n]|\band\b|\bbut\b")


def _placed_areas(message: Message) -> List[str]:
    """Body parts said with a side or a time in the same clause ("left knee", "knee after")."""
    text = message.text or ""
    cuts = _cut_points(text, _PLACE_BREAK)
    found: List[str] = []
    for e in message.entities:
        if e.get("entity") != "body_part" or e.get("role") or e.get("value") not in v.BODY_AREAS \
                or e.get("start") is None:
            continue
        begin, end = _part_around(cuts, e["start"])
        if any(o.get("entity") in ("side", "timing") and not o.get("role") and o.get("start") is not None
               and begin <= o["start"] < end for o in message.entities) and e["value"] not in found:
            found.append(e["value"])
    return found


# the questions about the pain already named: a new place said there is one more sore place
_ABOUT_THE_PAIN = (s.PAIN_SIDE, s.PAIN_TIMING, s.PAIN_SEVERITY)
# Words that add to an earlier answer rather than replace it ("my hamstring too, forgot that").
ADDING = re.compile(r"\b(too|also|as well|forgot|another|plus|and my|and the)\b")


def _volunteered(message: Message, requested_slot: Optional[str], current) -> Dict[str, Any]:
    """Answers to questions not asked yet, taken only where the meaning is unambiguous."""
    from actions.questions import SELF_CHECK_SLOTS

    _CHECK_STAGE = set(SELF_CHECK_SLOTS)
    if message.intent not in ("inform", "report_red_flag", "start_screening", "affirm", "deny", "not_sure",
                              "nlu_fallback", None):
        return {}
    updates: Dict[str, Any] = {}
    # Body parts and sides mean "where it hurts" only before the self-checks, where the same
    # words describe where a squeeze was felt or which leg wobbled.
    if requested_slot not in _CHECK_STAGE:
        # Volunteered, a body part is a sore area only where the runner says something
        # hurts ("curious about my glutes", "is that a glute thing" are not).
        areas = sore_areas(message)
        adding = bool(ADDING.search(message.text.lower()))
        instead = is_correction(message) and not adding  # "sorry not knees, I meant my shins"
        if current.get(s.PAIN_AREAS) and not instead and (
                requested_slot in _ABOUT_THE_PAIN or requested_slot is None and adding):
            # at "which side?" ("right hammy, left knee") or "oh and my left knee too" under
            # the welcome, a place named with its side or its time is sore without saying so
            # ("the hip bit is the front, not the side" names no new place)
            areas += [a for a in _placed_areas(message) if a not in areas]
        if areas and current.get(s.PAIN_AREAS) is None:
            updates[s.PAIN_AREAS] = areas
            updates[s.NO_PAIN] = False
            if requested_slot != s.PAIN_AREAS:
                updates[s.PAIN_AREAS_IN_PASSING] = True  # anything else hurt? (PAIN_AREAS_MORE)
        elif areas and requested_slot not in (s.PAIN_AREAS, s.PAIN_AREAS_MORE) and (
                requested_slot in _ABOUT_THE_PAIN and not instead
                or adding and (requested_slot is None or REAL_PAIN.search(message.text.lower()))):
            # "oh and the back of my left thigh gets sore too, forgot that", said at a later
            # question ("oh and my left knee too" under the welcome), or "right hammy, left
            # knee" at "which side?": the new places (read_message adds them to the others,
            # ADDITIVE_SLOTS)
            new = [a for a in areas if a not in real_pain_areas(current)]
            if new:
                updates[s.PAIN_AREAS] = new
                updates[s.NO_PAIN] = False
        side = pain_side_from(message)
        if side and (areas or requested_slot == s.PAIN_AREAS):
            updates[s.PAIN_SIDE] = side
    if requested_slot not in _CHECK_STAGE:
        timings = message.values("timing", v.PAIN_TIMINGS)
        if timings and (current.get(s.PAIN_AREAS) or updates.get(s.PAIN_AREAS)):
            updates[s.PAIN_TIMING] = timings
    facts = unambiguous_answers(message)
    if requested_slot in _CHECK_STAGE:
        # A self-check report tells how the check went: "Right 10/10 clean" is no pain score,
        # "the left hip dropped in the mirror" no sign seen while running
        facts.pop(s.GAIT_SIGNS, None)
        if not REAL_PAIN.search(message.text.lower()):
            facts.pop(s.PAIN_SEVERITY, None)
    updates.update(facts)
    return updates


REAL_PAIN = re.compile(r"\b(pain\w*|hurt\w*|sore\w*|ache\w*|aching|agony)\b")


_SITTING_CONTEXT = re.compile(r"\b(sit\w*|sat|seated|desk|chair|office|work\w*|job|commut\w*|screen|sofa|couch|"
                              r"computer|laptop|study\w*|school|uni|lectures?|driv\w*|car|gaming|train|bus|tube|"
                              r"meetings?|telly|tv)\b")


_PAST = re.compile(r"\b(ago|before|last (?:year|season|spring|summer|autumn|fall|winter)|years? back|back in|"
                   r"previous\w*|used to|had|history|in (?:19|20)\d\d)\b")


_DATED = re.compile(r"\b(ago|years? back|last (?:year|season|spring|summer|autumn|fall|winter)|(?:19|20)\d\d)\b")
_INJURY_PARTS = re.compile(r"[.;!?,]+|\b(?:and|but|plus|then)\b")


def _dated_area_injuries(message: Message) -> List[str]:
    """"IT band trouble in 2020 and shin splints in 2018": a body part given a date among
    named injuries is one more injury."""
    text = message.text.lower()
    cuts = _cut_points(text, _INJURY_PARTS)
    covered = {INJURY_AREA.get(i) for i in message.values("injury", v.INJURIES)}
    found = []
    for e in message.entities:
        if e.get("entity") != "body_part" or e.get("role") not in (None, PAST) or "start" not in e:
            continue
        begin, end = _part_around(cuts, e["start"])
        area = e.get("value")
        if area in AREA_INJURY and area not in covered and _DATED.search(text[begin:end]):
            found.append(AREA_INJURY[area])
    return found


def unambiguous_answers(message: Message) -> Dict[str, Any]:
    """Facts whose meaning does not depend on the question being asked: a pain score, daily
    sitting hours, named injuries and gait signs."""
    updates: Dict[str, Any] = {}
    effort = effort_from(message)
    if effort:
        updates[s.RUNNING_EFFORT] = effort
    pain = [n for n in message.numbers(roles=("pain",)) if 0 <= n <= 10]
    if pain:
        updates[s.PAIN_SEVERITY] = max(pain)  # "a 3 maybe, but the ankle is more like an 8": its worst
    hours = [n for n in message.numbers(roles=("hours",)) if 0 <= n <= 24]
    if hours and _SITTING_CONTEXT.search(message.text.lower()):  # not "runs over an hour"
        updates[s.SITTING_HOURS] = hours[0]
    injuries = message.values("injury", v.INJURIES)
    if injuries and not _PAST.search(message.text.lower()):
        # "heel's sore, plantar fasciitis I reckon": a name for today's pain is no past injury
        here = set(sore_areas(message))
        injuries = [i for i in injuries if INJURY_AREA.get(i) not in here]
    if injuries and _PAST.search(message.text.lower()):
        injuries += [i for i in _dated_area_injuries(message) if i not in injuries]
    if injuries:
        updates[s.INJURIES] = injuries
    signs = message.values("gait_sign", v.GAIT_SIGNS)
    if signs:
        updates[s.GAIT_SIGNS] = signs
    return updates
