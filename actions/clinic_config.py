"""The clinic's details (clinic/clinic.yml): name, phone, booking link, emergency number."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict

import yaml

from actions import slots as s

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "clinic" / "clinic.yml"
REQUIRED = ("name", "phone", "email", "booking_url", "emergency_number", "urgent_care")


class ClinicConfigError(ValueError):
    pass


@lru_cache(maxsize=None)
def load_clinic(path: str = None) -> Dict[str, Any]:
    path = Path(path or os.environ.get("CLINIC_CONFIG") or DEFAULT_PATH)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ClinicConfigError(f"{path}: cannot read the clinic configuration: {error}") from error
    missing = [key for key in REQUIRED if not str(data.get(key) or "").strip()]
    if missing:
        raise ClinicConfigError(f"{path}: missing or empty: {', '.join(missing)}")
    return data


def clinic_slot_values(clinic: Dict[str, Any]) -> Dict[str, str]:
    return {
        s.CLINIC_NAME: clinic["name"],
        s.CLINIC_PHONE: clinic["phone"],
        s.CLINIC_EMAIL: clinic["email"],
        s.BOOKING_URL: clinic["booking_url"],
        s.EMERGENCY_NUMBER: clinic["emergency_number"],
        s.URGENT_CARE_PLACE: clinic["urgent_care"],
        s.RETENTION_DAYS: str(clinic.get("retention_days", 90)),
        s.IDLE_MINUTES: str(clinic.get("idle_minutes", 30)),
    }
