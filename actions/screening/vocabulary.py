"""The closed vocabularies shared by the conversation, the NLU lexicon and the engine.

Every value the screener stores in a slot, and every value the knowledge base may name in a
condition, comes from one of these tuples. The NLU lexicon (clinic/lexicon.yml) normalises
runners' words to these ids; the knowledge base is validated against them at load.
"""

TRIAGE_LEVELS = ("emergency", "urgent_care", "see_clinician", "gait_analysis", "self_care")
# Levels above gait_analysis stop the screen: no self-checks are offered.
STOPPING_LEVELS = ("emergency", "urgent_care", "see_clinician")

BODY_AREAS = (
    "knee", "shin", "calf", "achilles", "foot", "ankle", "hip_flexor", "hip", "groin",
    "it_band", "hamstring", "quad", "low_back", "glute",
)
SIDES = ("left", "right", "both")
PAIN_TIMINGS = ("during_runs", "after_runs", "next_morning", "at_rest")
YES_NO_UNSURE = ("yes", "no", "unsure")
# "Running feels harder than it should", said in the runner's own words.
EFFORT = ("running_harder",)

INJURIES = (
    "patellofemoral_pain", "shin_splints", "stress_fracture", "calf_strain",
    "achilles_tendinopathy", "plantar_fasciitis", "hip_flexor_strain", "hip_injury",
    "itb_syndrome", "hamstring_strain", "low_back_pain", "ankle_sprain", "other_injury",
)
GAIT_SIGNS = (
    "overstriding", "low_knee_drive", "anterior_pelvic_tilt", "pelvic_drop", "crossover",
    "forward_lean",
)

# Self-checks
CHECK_STATUSES = ("done", "skipped", "not_offered")
CHECK_SIDES = ("left", "right", "both", "neither")
# Where the runner felt the effort of the squeeze / donkey kick.
EFFORT_SITES = ("glute", "hamstring", "low_back", "hip_flexor")
BALANCE_FAULTS = ("could_not_hold", "hip_dropped", "knee_caved", "trunk_leaned")
DONKEY_FAULTS = ("thighs_apart", "glute_not_felt", "hips_lifted", "back_arched", "knee_dropped")

RED_FLAG_GROUPS = ("emergency", "urgent_care", "see_clinician")
