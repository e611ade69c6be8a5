"""The clinic's details (clinic/clinic.yml): name, phone, booking link, emergency number."""

from __future__ import annotations

from typing import Any, Dict

from actions import slots as s


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
