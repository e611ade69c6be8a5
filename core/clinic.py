"""The one loader of the clinic's settings, clinic/clinic.yml (or the file $CLINIC_CONFIG names).

One caching rule for every reader (the action server, the channels, the demo page, the
tracker store): the file is read and checked once, and read again when it changes on disk.
Settings used only at start-up (the web origins given to Rasa's CORS, ports) still need a
restart; the README says which.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, Optional, Tuple, Union

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = ROOT / "clinic" / "clinic.yml"
ENV_VAR = "CLINIC_CONFIG"
REQUIRED = ("name", "phone", "email", "booking_url", "emergency_number", "urgent_care")

_CACHE: Dict[str, Tuple[int, Dict[str, Any]]] = {}


class ClinicConfigError(ValueError):
    pass


def clinic_path(path: Optional[Union[str, Path]] = None) -> Path:
    return Path(path or os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_clinic(path: Optional[Union[str, Path]] = None) -> Dict[str, Any]:
    """The clinic's settings, checked (every REQUIRED key present and not empty)."""
    path = clinic_path(path)
    try:
        changed = path.stat().st_mtime_ns
        cached = _CACHE.get(str(path))
        if cached and cached[0] == changed:
            return cached[1]
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ClinicConfigError(f"{path}: cannot read the clinic configuration: {error}") from error
    if not isinstance(data, dict):
        raise ClinicConfigError(f"{path}: needs 'key: value' lines, found {type(data).__name__}")
    missing = [key for key in REQUIRED if not str(data.get(key) or "").strip()]
    if missing:
        raise ClinicConfigError(f"{path}: missing or empty: {', '.join(missing)}")
    _CACHE[str(path)] = (changed, data)
    return data


MAX_MESSAGE_CHARS = "max_message_chars"


def max_message_chars(clinic: Optional[Dict[str, Any]] = None) -> int:
    """The longest message taken: every channel checks it before a message reaches Rasa, and
    the NLU input guard is the last line (bot/channels/limits.py, bot/nlu/input_guard.py)."""
    clinic = load_clinic() if clinic is None else clinic
    value = clinic.get(MAX_MESSAGE_CHARS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ClinicConfigError(f"{clinic_path()}: {MAX_MESSAGE_CHARS} must be a whole number of characters, "
                                f"1 or more (it is {value!r})")
    return value
