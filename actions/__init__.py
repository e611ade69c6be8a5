"""The action server: the screening form's validation and the custom actions.

Each module holds one form or action; `actions/screening/` is the clinical engine, which
has no Rasa import. Rasa's action server imports this package and registers every Action
subclass it finds, so each action module is imported here.
"""

from actions import (  # noqa: F401
    ask_pain_areas_more,
    ask_red_flags,
    booking,
    contact_form,
    define_term,
    explain_why,
    apply_correction,
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
from actions.clinic_config import load_clinic  # noqa: E402
from actions.screen_state import knowledge  # noqa: E402

knowledge()
load_clinic()
