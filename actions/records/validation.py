"""Checking and normalising the contact details a runner types.

    validate_email(" Jane.Doe@Example.COM ")  -> "Jane.Doe@example.com"
    validate_phone("(555) 014-2000")          -> "5550142000"
    validate_phone("+44 20 7946 0958")        -> "+442079460958"
    validate_phone("0044 20 7946 0958")       -> "+442079460958"

Both return None for anything that is not one email address or one phone number, so an
action can re-ask. They check the form only: whether the address or number reaches the
runner is for the clinic to find out.
"""

from __future__ import annotations

import re
from typing import Optional

# One address: a dot-atom local part and a domain of dot-separated labels with a letter TLD.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"({_LOCAL})@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")
_PHONE_CHARS = re.compile(r"[+]?[\d\s().\-/]+")
_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*\d{1,6}\s*$", re.IGNORECASE)


def validate_email(text: Optional[str]) -> Optional[str]:
    """The email address in `text` (trimmed, `mailto:`/<> removed, domain lower-cased), or None."""
    if not text:
        return None
    value = text.strip().strip("<>").strip()
    if value.lower().startswith("mailto:"):
        value = value[len("mailto:"):]
    if len(value) > 254:
        return None
    match = _EMAIL.fullmatch(value)
    if not match or len(match.group(1)) > 64:
        return None
    return f"{match.group(1)}@{match.group(2).lower()}"


def validate_phone(text: Optional[str]) -> Optional[str]:
    """The phone number in `text` as digits with a leading + when international, or None.

    Accepts the usual separators (spaces, dots, dashes, slashes, brackets) and an
    international prefix written "+" or "00"; 7 to 15 digits (E.164). Extensions are not
    stored ("ext. 12" is dropped).
    """
    if not text:
        return None
    value = _EXTENSION.sub("", text.strip())
    if not value or not _PHONE_CHARS.fullmatch(value) or value.count("+") > 1 or "+" in value[1:]:
        return None
    if value.count("(") != value.count(")"):
        return None
    digits = re.sub(r"\D", "", value)
    international = value.startswith("+")
    if not international and digits.startswith("00"):
        digits, international = digits[2:], True
    if not 7 <= len(digits) <= 15:
        return None
    if international and digits.startswith("0"):
        return None  # no country code starts with 0
    return ("+" if international else "") + digits
