"""Everything the action server serves: each action module, and a start-up check.

The action server imports this module (`python -m actions.serve` passes `--actions
actions.registry`); rasa_sdk registers every Action subclass imported here. Nothing else
imports it, so the clinic's tools (`python -m actions.screening.validate`,
`./scripts/clinic.sh`) load no action, no rasa_sdk and no rules file they do not need,
and still work when a rules file is broken.
"""

from actions import (  # noqa: F401
    apply_correction,
    ask_pain_areas_more,
    ask_red_flags,
    booking,
    contact_form,
    define_term,
    explain_why,
    rephrase,
    screening_form,
    session_start,
    show_result,
    start_over,
    stop_screen,
    welcome,
)

# Load the knowledge base and the clinic configuration now, so that a broken file stops the
# action server at start-up with a message naming the file and the rule, not mid-chat.
from core.clinic import load_clinic  # noqa: E402
from actions.screen_state import knowledge  # noqa: E402

knowledge()
load_clinic()
