"""Slot names, in one place. The domain (domain.yml) declares the same names."""

# Clinic details, filled at session start from clinic/clinic.yml so responses can use them.
CLINIC_NAME = "clinic_name"
CLINIC_PHONE = "clinic_phone"
CLINIC_EMAIL = "clinic_email"
BOOKING_URL = "booking_url"
EMERGENCY_NUMBER = "emergency_number"
URGENT_CARE_PLACE = "urgent_care_place"
RETENTION_DAYS = "retention_days"
IDLE_MINUTES = "idle_minutes"
CLINIC_SLOTS = (
    CLINIC_NAME, CLINIC_PHONE, CLINIC_EMAIL, BOOKING_URL, EMERGENCY_NUMBER, URGENT_CARE_PLACE,
    RETENTION_DAYS, IDLE_MINUTES,
)

REQUESTED_SLOT = "requested_slot"

# Red flags, asked one group (triage level) at a time. Each holds a list: the red flag ids
# the runner reported, or one of the markers below.
RF_EMERGENCY = "rf_emergency"
RF_URGENT_CARE = "rf_urgent_care"
RF_SEE_CLINICIAN = "rf_see_clinician"
RED_FLAG_GROUP_SLOTS = {
    "emergency": RF_EMERGENCY,
    "urgent_care": RF_URGENT_CARE,
    "see_clinician": RF_SEE_CLINICIAN,
}
# Red flags said with a negation that may or may not cancel them ("I don't think I
# fainted"): asked back with one short confirm question (RF_CONFIRM) before anything else.
RF_PENDING = "rf_pending"
# An opening message that read like a warning sign the bot could not place waits in
# RF_PENDING as OPENING_STORY; confirmed, RF_UNPLACED holds it until a group's red flag
# explains it (if every group is then denied, it counts as not sure for the most urgent one).
OPENING_STORY = "opening_story"
# A red flag told as over ("tore my achilles in 2015, fine since") waits in RF_PENDING with
# TOLD_AS_PAST: the confirm question then asks whether it is happening now.
TOLD_AS_PAST = "told_as_past"


def pending_or_none(pending):
    """RF_PENDING's value: None once only the TOLD_AS_PAST marker is left."""
    return pending if [x for x in pending or [] if x != TOLD_AS_PAST] else None


def add_pending(pending, new, told_as_past: bool = False):
    """RF_PENDING with `new` added (red flag ids or group slots). TOLD_AS_PAST stays only while
    everything waiting was told as over."""
    pending = list(pending or [])
    waiting = [x for x in pending if x != TOLD_AS_PAST]
    added = [x for x in new if x not in waiting]
    if not added:
        return pending
    past = told_as_past and (not waiting or TOLD_AS_PAST in pending)
    return waiting + added + ([TOLD_AS_PAST] if past else [])
RF_UNPLACED = "rf_unplaced"
RF_CONFIRM = "rf_confirm"
# The groups whose own question got an answer. A red flag volunteered elsewhere is recorded in
# its group at once, but the group's question is still put: the runner's answer there may
# hold more (a more urgent sign, said at the question that finally fits).
RF_ASKED = "rf_asked"
NONE = "none"  # marker: "none of these" / "no injuries" / "no gait signs"
UNSURE = "unsure"  # marker: "not sure"
SKIPPED = "skipped"  # marker: the runner chose to skip an optional question

# Soreness
PAIN_AREAS = "pain_areas"
# True when the places that hurt were taken from another message (the opening, a safety
# answer): then PAIN_AREAS_MORE asks whether anything else hurts ("done" once answered).
PAIN_AREAS_IN_PASSING = "pain_areas_in_passing"
PAIN_AREAS_MORE = "pain_areas_more"
NO_PAIN = "no_pain"
PAIN_SIDE = "pain_side"
PAIN_TIMING = "pain_timing"
PAIN_SEVERITY = "pain_severity"

# Effort, history, sitting, gait
RUNNING_EFFORT = "running_effort"
INJURIES = "injuries"
INJURY_RECURRING = "injury_recurring"
SITTING_HOURS = "sitting_hours"
GAIT_SIGNS = "gait_signs"

# Self-checks. *_CHOICE holds "do_now" or "skip".
DO_NOW = "do_now"
SKIP = "skip"
ACTIVATION_CHOICE = "activation_choice"
ACTIVATION_HARDER_SIDE = "activation_harder_side"
ACTIVATION_FELT_WHERE = "activation_felt_where"
BALANCE_CHOICE = "balance_choice"
BALANCE_PROBLEM_SIDE = "balance_problem_side"
BALANCE_FAULTS = "balance_faults"
BALANCE_HIP_PAIN = "balance_hip_pain"
DONKEY_CHOICE = "donkey_choice"
# Each check opens with one "how did it go?"; FINE (a no-problem report) completes the
# check, TOLD means the follow-ups ask only what the report left out.
ACTIVATION_REPORT = "activation_report"
BALANCE_REPORT = "balance_report"
DONKEY_REPORT = "donkey_report"
FINE = "fine"
TOLD = "told"
DONKEY_FAULTS = "donkey_faults"
DONKEY_REPS_LEFT = "donkey_reps_left"
DONKEY_REPS_RIGHT = "donkey_reps_right"

# Storage consent: True keep, False keep nothing, None not asked yet. The last question of
# the screen unless the runner chose at the welcome.
STORE_CONSENT = "store_consent"
# True once the conversation is over; without consent the tracker store then deletes it.
SCREEN_CLOSED = "screen_closed"
SCREEN_SAVED = "screen_saved"  # the clinician's summary is in the clinic's records

# Contact form (only with consent)
CONTACT_NAME = "contact_name"
CONTACT_REACH = "contact_reach"  # a validated email address or phone number
CONTACT_TIMES = "contact_times"
CONTACT_SLOTS = (CONTACT_NAME, CONTACT_REACH, CONTACT_TIMES)

# Bookkeeping
FAILED_ATTEMPTS = "failed_attempts"  # re-asks of the current question in a row
# Questions given up on after three asks (recorded as "not sure"): they count as answered.
UNANSWERED = "unanswered"

# The result contract: integrations and the evaluation read these.
TRIAGE = "triage"
FINDINGS = "findings"
RED_FLAGS = "red_flags"
SCREEN_SUMMARY = "screen_summary"  # the clinician's summary (JSON)

RED_FLAG_SLOTS = (RF_EMERGENCY, RF_URGENT_CARE, RF_SEE_CLINICIAN)
# The questions themselves, their order and the slots a new screen clears: actions/questions.py.
