"""Fast tests of the clinical extractor's spaCy pipeline and of the input guard (no training)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.nlu.clinical_extractor import (
    ClinicalEntityExtractor,
    LexiconError,
    build_nlp,
    load_lexicon,
)
from bot.nlu.input_guard import InputGuard, input_problem
from rasa.shared.nlu.training_data.message import Message

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def nlp():
    return build_nlp(str(ROOT / "clinic" / "lexicon.yml"))


def found(nlp, text):
    return {(e["entity"], e["value"], e.get("role")) for e in nlp.extract(text)}


@pytest.mark.parametrize("text, side", [
    ("loads of pain in my shins today", "both"),
    ("the calves tighten around mile 5", "both"),
    ("my left knee hurts", "left"),
    ("I'm on my feet all day and my knee aches", None),   # "feet" is no pair that hurts
])
def test_a_plural_pair_without_a_side_is_both_sides(nlp, text, side):
    sides = {value for entity, value, role in found(nlp, text) if entity == "side" and role in (None, "plural")}
    assert sides == ({side} if side else set())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("my knees are fine but the bottom of my right foot kills in the morning",
         {("body_part", "knee", "negated"), ("side", "right", None), ("body_part", "foot", None),
          ("timing", "next_morning", None)}),
        ("hammy's been tight", {("body_part", "hamstring", None)}),
        ("ITB flares up around mile 5", {("body_part", "it_band", None), ("timing", "during_runs", None)}),
        ("ITBS on the right", {("injury", "itb_syndrome", None), ("side", "right", None)}),
        ("calfs and achilles tendonitis", {("body_part", "calf", None), ("injury", "achilles_tendinopathy", None),
                                          ("side", "both", "plural")}),  # a plural pair: both sides
        ("runners knee and PF", {("injury", "patellofemoral_pain", None), ("injury", "plantar_fasciitis", None)}),
        ("lower back and glutes after long runs",
         {("body_part", "low_back", None), ("body_part", "glute", None), ("timing", "after_runs", None),
          ("side", "both", "plural")}),
        ("sore bum and hip flexors", {("body_part", "glute", None), ("body_part", "hip_flexor", None),
                                      ("side", "both", "plural")}),
        ("my hamstirng and achillies", {("body_part", "hamstring", None), ("body_part", "achilles", None)}),
        ("I get chest pain on hills", {("red_flag", "chest_symptoms", None), ("timing", "during_runs", None)}),
        # red flags have their own layer: the sore calf is kept as well
        ("my calf is swollen and hot", {("red_flag", "calf_swelling", None), ("body_part", "calf", None)}),
        ("heard a pop at the back of my ankle",
         {("red_flag", "achilles_rupture", None), ("body_part", "achilles", None)}),
        ("my feet cross the midline and I overstride",
         {("gait_sign", "crossover", None), ("gait_sign", "overstriding", None)}),
    ],
)
def test_tricky_sentences(nlp, text, expected):
    assert found(nlp, text) == expected


@pytest.mark.parametrize(
    "text, negated, positive",
    [
        ("no pain in my shins, knees or calves",
         {("body_part", "shin"), ("body_part", "knee"), ("body_part", "calf")}, set()),
        ("not my back, my left hip", {("body_part", "low_back")}, {("body_part", "hip"), ("side", "left")}),
        ("never had shin splints but I did have PF",
         {("injury", "shin_splints")}, {("injury", "plantar_fasciitis")}),
        ("my hip didn't drop but my knee caved in",
         {("check_fault", "hip_dropped")}, {("check_fault", "knee_caved")}),
        ("not left, right", {("side", "left")}, {("side", "right")}),
        ("no, my left knee", set(), {("side", "left"), ("body_part", "knee")}),
        ("not sure, maybe my knee", set(), {("body_part", "knee")}),
        ("pulled hammy last year but it's fine now", set(), {("injury", "hamstring_strain")}),
        ("my knee hurts and my shin is fine", {("body_part", "shin")}, {("body_part", "knee")}),
        # a "no" right after "No," / "Nope," still negates (negspacy took it for part of the pseudo "no ,")
        ("No, no chest pain", {("red_flag", "chest_symptoms")}, set()),
        ("Nope, no chest pain or fainting, nothing like that", {("red_flag", "chest_symptoms")}, set()),
        ("nah, never fainted", {("red_flag", "chest_symptoms")}, set()),
        ("no, I fainted", set(), {("red_flag", "chest_symptoms")}),
    ],
)
def test_negation(nlp, text, negated, positive):
    entities = found(nlp, text)
    assert {(t, v) for t, v, r in entities if r == "negated"} == negated
    assert {(t, v) for t, v, r in entities if r != "negated"} == positive


@pytest.mark.parametrize(
    "text, side",
    [("right foot", "right"), ("the left one", "left"), ("both legs", "both"), ("L knee", "left"),
     ("R", "right"), ("on both sides", "both"), ("rigth knee", "right")],
)
def test_sides(nlp, text, side):
    assert ("side", side, None) in found(nlp, text)


@pytest.mark.parametrize("text", ["right after my run", "that's right", "I left it too long", "you're right",
                                  "not sure this is the right place but my hip hurts", "my knee is a right mess"])
def test_right_and_left_as_ordinary_words(nlp, text):
    assert not [e for e in nlp.extract(text) if e["entity"] == "side"]


@pytest.mark.parametrize(
    "text, value, role",
    [
        ("pain is about 7/10", 7, "pain"),
        ("seven out of ten", 7, "pain"),
        ("it hurts about a 6", 6, "pain"),
        ("I sit 8hrs a day", 8, "hours"),
        ("eight hours", 8, "hours"),
        ("8-10 hrs", 9, "hours"),
        ("half an hour", 0.5, "hours"),
        ("held it 20s", 20, "seconds"),
        ("twenty five seconds", 25, "seconds"),
        ("did 8 reps", 8, "reps"),
        ("6", 6, None),
        ("twelve", 12, None),
    ],
)
def test_numbers(nlp, text, value, role):
    numbers = [e for e in nlp.extract(text) if e["entity"] == "number"]
    assert len(numbers) == 1
    assert numbers[0]["value"] == value
    assert numbers[0].get("role") == role


@pytest.mark.parametrize("text", ["ran a 5k", "sore for 3 weeks", "50/50", "one of my knees", "in 2019"])
def test_numbers_that_are_not_answers(nlp, text):
    assert not [e for e in nlp.extract(text) if e["entity"] == "number"]


def test_multi_fact_message_and_offsets(nlp):
    text = "left hamstring mid run, maybe 5/10, and it aches the next day"
    entities = nlp.extract(text)
    assert {(e["entity"], e["value"], e.get("role")) for e in entities} == {
        ("side", "left", None), ("body_part", "hamstring", None), ("timing", "during_runs", None),
        ("number", 5, "pain"), ("timing", "next_morning", None),
    }
    for e in entities:
        assert text[e["start"]:e["end"]].strip() == text[e["start"]:e["end"]]
    assert [text[e["start"]:e["end"]] for e in entities][:2] == ["left", "hamstring"]


def test_deterministic(nlp):
    text = "right knee and ITB after long runs, 6/10, never had shin splints"
    assert nlp.extract(text) == nlp.extract(text)


def test_rasa_component_sets_extractor_and_keeps_other_entities():
    component = ClinicalEntityExtractor({"lexicon_path": str(ROOT / "clinic" / "lexicon.yml")})
    message = Message(data={"text": "my right knee", "entities": [{"entity": "other", "value": "x"}]})
    component.process([message])
    entities = message.get("entities")
    assert entities[0]["entity"] == "other"
    ours = entities[1:]
    assert {e["extractor"] for e in ours} == {"ClinicalEntityExtractor"}
    assert {(e["entity"], e["value"]) for e in ours} == {("side", "right"), ("body_part", "knee")}


def test_lexicon_values_are_closed_vocabulary():
    from bot.nlu.clinical_extractor import _load_vocabulary

    vocabulary = _load_vocabulary()
    lexicon = load_lexicon(str(ROOT / "clinic" / "lexicon.yml"))
    for entity_type, value, _ in lexicon.phrases:
        assert value in vocabulary[entity_type]
    covered = {(t, v) for t, v, _ in lexicon.phrases}
    for entity_type, ids in vocabulary.items():
        for value in ids:
            assert (entity_type, value) in covered, f"{entity_type}.{value} has no phrases"


@pytest.mark.parametrize(
    "body, message",
    [
        ("entities:\n  body_part:\n    kneee: [knee]\n", "entities.body_part.kneee"),
        ("entities:\n  limb:\n    knee: [knee]\n", "entities.limb"),
        ("entities:\n  body_part:\n    knee: []\n", "entities.body_part.knee"),
        ("entities: [oops\n", "not valid YAML"),
    ],
)
def test_bad_lexicon_names_file_and_entry(tmp_path, body, message):
    path = tmp_path / "lexicon.yml"
    path.write_text(body)
    with pytest.raises(LexiconError) as error:
        build_nlp(str(path))
    assert str(path) in str(error.value)
    assert message in str(error.value)


SHIPPED_LEXICON = Path(__file__).resolve().parents[2] / "clinic" / "lexicon.yml"


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace("knee: [knee,", 'knee: ["(knee|kneecap pain", knee,'), "unbalanced brackets"),
    # a red flag of the knowledge base with no phrases could never be recognised in typed text
    (lambda text: re.sub(r"\n    cardiac_history: \[[^\]]*\]", "", text), "no phrases for cardiac_history"),
])
def test_lexicon_edits_that_would_break_reading_are_refused(tmp_path, edit, message):
    path = tmp_path / "lexicon.yml"
    path.write_text(edit(SHIPPED_LEXICON.read_text()))
    with pytest.raises(LexiconError) as error:
        build_nlp(str(path))
    assert message in str(error.value)


def test_missing_lexicon_is_a_clear_error(tmp_path):
    with pytest.raises(LexiconError, match="not found"):
        ClinicalEntityExtractor({"lexicon_path": str(tmp_path / "nope.yml")})


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "empty"), ("   \n", "empty"), ("👍👍", "no_words"), ("?!...", "no_words"),
        ("x" * 1001, "too_long"), ("me duele mucho la rodilla derecha", "not_english"),
        ("j'ai mal au genou droit quand je cours", "not_english"),
        ("ich habe Schmerzen im Knie beim Laufen", "not_english"),
        ("mi ginocchio fa male quando corro", "not_english"),
        ("tengo dolor en la rodilla derecha desde hace una semana", "not_english"),
    ],
)
def test_input_guard_problems(text, problem):
    assert input_problem(text, InputGuard({}).vocabulary) == problem


@pytest.mark.parametrize(
    "text",
    ["hammy's been tight", "ITB flares up around mile 5", "couldnt hold it", "7", "yes", "no",
     "PF and ITBS", "R", "idk", "r u a bot", "lol ok", "7/10",
     # seen in blind persona p218: refused as "not English" at the sitting question
     "lectures + gaming prob 10+ hrs lol", "commuting plus gaming sessions, approx nine"],
)
def test_input_guard_passes_runner_slang(text):
    assert input_problem(text, InputGuard({}).vocabulary) is None


def test_input_guard_sets_fallback_and_reason():
    guard = InputGuard({})
    message = Message(data={
        "text": "🙂",
        "intent": {"name": "greet", "confidence": 0.9},
        "intent_ranking": [{"name": "greet", "confidence": 0.9}],
    })
    guard.process([message])
    assert message.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["nlu_fallback", "greet"]
    assert message.get("entities")[-1]["entity"] == "input_problem"
    assert message.get("entities")[-1]["value"] == "no_words"


def test_input_guard_leaves_good_messages_alone():
    message = Message(data={"text": "my knee hurts", "intent": {"name": "inform", "confidence": 0.9}})
    InputGuard({}).process([message])
    assert message.get("intent")["name"] == "inform"
    assert not message.get("entities")


# ---------------------------------------------------------------- ask to check (lexicon `ask_to_check`)
def red_flags(nlp, text):
    return {(e["value"], e.get("role")) for e in nlp.extract(text) if e["entity"] == "red_flag"}


@pytest.mark.parametrize("text, flag", [
    # words that together may be a red flag the phrases do not cover: confirm, never drop
    ("my calf looks twice the size of the other one", "calf_swelling"),
    ("my old man's ticker gave out at 46", "cardiac_history"),
    ("left leg keeps givin way mid run", "nerve_symptoms"),
    ("I'd put it at an 8 most days, it's really bad", "severe_pain"),
    # a less urgent reading does not hide a more urgent check on the same words
    ("my undercarriage has gone numb since the long run", "saddle_numbness_or_bladder"),
])
def test_unusual_wording_of_a_red_flag_is_confirmed_not_dropped(nlp, text, flag):
    assert (flag, "uncertain") in red_flags(nlp, text)


@pytest.mark.parametrize("text", [
    "no chest pain at all",  # a clear denial read by the phrases
    "my heart rate monitor strap rubs",  # an everyday reading covers the words
    "my calf is not swollen",  # the cue itself plainly denied
    "ran 10k and my knee is a bit sore",  # a distance is no pain score
    "knee pain, maybe a 3",
])
def test_checks_stay_quiet_on_denials_everyday_readings_and_distances(nlp, text):
    assert not {f for f, role in red_flags(nlp, text) if role == "uncertain"}


def test_scale_of_one_to_ten_is_not_a_pain_score(nlp):
    numbers = [e["value"] for e in nlp.extract("on a scale of one to ten it's a 4") if e["entity"] == "number"]
    assert numbers == [4]


def test_a_contrast_ends_a_gapped_red_flag_phrase(nlp):
    # "sore ... walking" once reported pain when walking across the "but" (now at most a confirm)
    assert not {f for f, role in red_flags(nlp, "knee's a bit sore after runs but I'm walking normally")
                if role is None}


def test_ask_to_check_entries_are_validated(tmp_path):
    path = tmp_path / "lexicon.yml"
    path.write_text(SHIPPED_LEXICON.read_text().replace("ask_to_check:\n  chest_symptoms:",
                                                        "ask_to_check:\n  chest_pains:"))
    with pytest.raises(LexiconError, match="ask_to_check.chest_pains"):
        build_nlp(str(path))


@pytest.mark.parametrize("intent, text, entities, expected", [
    ("goodbye", "cola pee", [{"entity": "red_flag", "value": "muscle_breakdown"}], "report_red_flag"),
    ("stop", "periods stopped months ago", [{"entity": "red_flag", "value": "energy_deficiency"}],
     "report_red_flag"),
    ("greet", "hi, I think I fainted", [{"entity": "red_flag", "value": "chest_symptoms", "role": "uncertain"}],
     "report_red_flag"),
    # a question that reads as "are you a bot?" (seen in the blind safety batch 7)
    ("bot_challenge", "is it normal to stop getting periods when you run a lot?",
     [{"entity": "red_flag", "value": "energy_deficiency", "role": "uncertain"}], "report_red_flag"),
    # a clear denial is no report; questions and answers keep their intent
    ("goodbye", "bye, no chest pain", [{"entity": "red_flag", "value": "chest_symptoms", "role": "negated"}],
     "goodbye"),
    ("ask_define", "does a racing heart count?", [{"entity": "red_flag", "value": "chest_symptoms"}], "ask_define"),
    ("deny", "no", [], "deny"),
])
def test_a_red_flag_is_a_report_whatever_the_intent_classifier_says(intent, text, entities, expected):
    from bot.nlu.red_flag_intent import RedFlagIntent

    message = Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9},
                            "intent_ranking": [{"name": intent, "confidence": 0.9}], "entities": entities})
    RedFlagIntent().process([message])
    assert message.get("intent")["name"] == expected
    assert any(r["name"] == intent for r in message.get("intent_ranking"))


def test_a_leg_that_was_solid_in_the_balance_check_is_no_muscle_breakdown(nlp):
    # seen by hand: "left was solid" next to "leg" asked the runner about dark urine
    assert not [e for e in nlp.extract("right leg wobbled all over the place, left was solid, no pain")
                if e["entity"] == "red_flag"]


@pytest.mark.parametrize("text, flag", [
    # "breathing fine" is good news about the breathing: no clot to confirm
    ("my calf's been a bit swollen since the flight, no pain, no redness, breathing fine", "clot_in_lung"),
    ("right calf puffy and warm since the drive. My breathing's normal.", "clot_in_lung"),
    # cues far apart in a long story are not one red flag (the bladder cues must sit close)
    ("my thighs are so painful I can't bend my knees, way worse than any DOMS, and my urine looks like cola",
     "saddle_numbness_or_bladder"),
    # a count is no pain score; "hot to touch" is a joint, not the weather
    ("it hurt a bit on the outside of my hip. Donkey kicks: 8 each side", "severe_pain"),
    ("my right knee is red and hot to touch, and I've been shivery all day", "heat_or_fluid_illness"),
    # real words with an ending are not typos of red-flag words
    ("hey, hoping to sort out some hamstring stuff", "cannot_bear_weight"),
    ("since my back twinged on a run my big toe feels dead", "achilles_rupture"),
    ("my pee went dark brown after the ultra", "chest_symptoms"),
])
def test_checks_stay_quiet_on_good_news_far_cues_counts_and_real_words(nlp, text, flag):
    assert flag not in {f for f, _ in red_flags(nlp, text)}


@pytest.mark.parametrize("text, flag", [
    ("cant feel my privates properly since yest", "saddle_numbness_or_bladder"),
    ("went to pee this morning and nothing would come for ages, back's been sore", "saddle_numbness_or_bladder"),
    ("pushing off for the sprint it felt like someone booted me in the back of the ankle", "achilles_rupture"),
    ("only got a couple of steps to the bathroom before I had to sit down", "cannot_bear_weight"),
    ("my legs went from under me at mile 24 and I ended up on the ground", "heat_or_fluid_illness"),
    ("groin is fine when I'm sitting, it's only when I stand on that leg that it hurts",
     "groin_pain_weight_bearing"),
])
def test_everyday_words_of_batch_5_red_flags_are_read_or_confirmed(nlp, text, flag):
    assert flag in {f for f, role in red_flags(nlp, text) if role != "negated"}


@pytest.mark.parametrize("text", [
    "My friend passed out at the finish of the half. I was fine, only here about my knee.",
    "My pacing totally collapsed in the second half",
    "My heart skipped a beat when I saw my name on the results board",
    "I'm numb to 5am alarms now lol",
    "Haven't had a proper rest period in three months",
    "Popped a blister on the back of my heel",
    "legs were ded by mile 20 lol, shuffled it in",
])
def test_figures_of_speech_and_other_peoples_events_are_no_red_flags(nlp, text):
    assert not {f for f, role in red_flags(nlp, text) if role != "negated"}


@pytest.mark.parametrize("text, part", [("left kneee mostly", "knee"), ("my shinnnn hurts", "shin")])
def test_stretched_letters_are_read(nlp, text, part):
    assert ("body_part", part, None) in found(nlp, text)


@pytest.mark.parametrize("text", [
    "hey my knees have been aching after long runs, is that my glutes?",  # seen by hand, 2026-12-06
    "could this be my weak glutes? shin sore after runs",
])
def test_a_body_part_asked_about_as_the_cause_is_no_place_that_hurts(nlp, text):
    glutes = [e for e in nlp.extract(text) if e["entity"] == "body_part" and e["value"] == "glute"]
    assert glutes and all(e.get("role") == "place" for e in glutes)


@pytest.mark.parametrize("text, fault", [
    # blind personas p200, p215: donkey-kick faults in everyday words
    ("my right knee kept clunking down, left was ok", "knee_dropped"),
    ("I don't feel the glute in the right, is the back of the leg working", "glute_not_felt"),
])
def test_donkey_kick_faults_in_everyday_words(nlp, text, fault):
    assert fault in [e["value"] for e in nlp.extract(text) if e["entity"] == "check_fault"]


def test_no_pain_in_the_bum_is_no_glute_that_was_not_felt(nlp):
    assert not [e for e in nlp.extract("don't feel pain in my bum at all, all good") if e["entity"] == "check_fault"]


@pytest.mark.parametrize("text, expected", [
    # words typed without a space, text-speak and a plural typed with z
    ("achillessnapped i think", {("red_flag", "achilles_rupture", None), ("body_part", "achilles", None)}),
    ("kneez ache aftr runs", {("body_part", "knee", None), ("timing", "after_runs", None),
                              ("side", "both", "plural")}),
    # a side inside a place's name
    ("outside of left thigh", {("body_part", "it_band", None), ("side", "left", None)}),
    # standing all day is no sore foot; sitting cross-legged is no crossover
    ("I'm a nurse, on my feet all day", {("body_part", "foot", "negated")}),
    ("my hip goes down a bit on the right", {("check_fault", "hip_dropped", None), ("side", "right", None)}),
    ("my coach says my knees stay pretty low", {("gait_sign", "low_knee_drive", None)}),
    ("my feet land way out in front", {("gait_sign", "overstriding", None)}),
])
def test_how_runners_type(nlp, text, expected):
    assert found(nlp, text) == expected


def test_words_run_together_are_split_only_when_both_halves_are_words(nlp):
    assert not [e for e in nlp.extract("parkrun was fine, did the volunteering") if e["entity"] == "red_flag"]
    assert ("red_flag", "calf_swelling", None) in found(nlp, "my calfswollen and red")


@pytest.mark.parametrize("text, worst", [
    ("Mild shin splints, a 3 maybe, but the ankle I rolled is more like an 8", 8),
    ("knee pain is a 6 or 7", 7),
    ("my knee, about a 4", 4),
])
def test_a_pain_score_said_in_passing_is_read_at_its_worst(nlp, text, worst):
    scores = [e["value"] for e in nlp.extract(text) if e["entity"] == "number" and e.get("role") == "pain"]
    assert max(scores) == worst


def test_the_rest_of_the_run_is_no_pain_at_rest(nlp):
    assert ("timing", "at_rest", None) not in found(nlp, "shins ache for a mile, then fine for the rest of the run")
    assert ("timing", "at_rest", None) in found(nlp, "my knee hurts at rest")


@pytest.mark.parametrize("text, flag", [
    ("Heart was going like the clappers on the hill reps, back to normal a minute after, same as always",
     "chest_symptoms"),
    ("pins and needles when I sit on the floor, goes as soon as I stretch, always been like that",
     "nerve_symptoms"),
    ("Couldn't take another step at the top of the hill, had a breather and jogged it in", "cannot_bear_weight"),
])
def test_a_red_flag_said_as_the_usual_kind_is_asked_about_not_taken_or_dropped(nlp, text, flag):
    assert (flag, "uncertain") in red_flags(nlp, text)


def test_fine_now_does_not_make_a_faint_uncertain(nlp):
    assert ("chest_symptoms", None) in red_flags(nlp, "passed out at the finish but fine now")


def test_figurative_kick_is_no_achilles_rupture(nlp):
    assert not red_flags(nlp, "That last hill felt like a kick in the teeth")
    assert ("achilles_rupture", None) in red_flags(nlp, "felt like a kick in the back of my heel")


def test_the_back_of_a_heel_at_night_is_no_night_pain_of_the_back(nlp):
    assert "bone_stress_signs" not in {f for f, _ in red_flags(nlp, "tight at the back of my heel at night")}
    assert "bone_stress_signs" in {f for f, _ in red_flags(nlp, "my lower back aches at night in bed")}


def test_a_hand_rested_on_the_hip_is_no_pain_at_rest(nlp):
    assert ("timing", "at_rest", None) not in found(nlp, "outside of my hip, about where I'd rest my hand")
    assert ("timing", "at_rest", None) in found(nlp, "my hip aches even at rest")


def test_holding_the_balance_position_is_no_bladder_sign(nlp):
    assert not red_flags(nlp, "I couldn't hold it for the full 30 seconds on my left leg")
    assert ("saddle_numbness_or_bladder", None) in red_flags(nlp, "since the race I can't hold it in, I leak")


def test_good_news_about_the_activity_of_a_gapped_red_flag_asks_instead_of_reporting(nlp):
    said = red_flags(nlp, "my groin gets tight after intervals, walking around is fine though")
    assert ("groin_pain_weight_bearing", "uncertain") in said
    assert ("groin_pain_weight_bearing", None) not in said
    assert ("groin_pain_weight_bearing", None) in red_flags(nlp, "my groin hurts more when I'm walking")


def test_breathing_fine_before_you_ask_is_no_cue_to_check_a_clot(nlp):
    assert not [f for f, role in red_flags(nlp, "my left calf is swollen and hot. breathing is fine, before you ask")
                if f == "clot_in_lung"]
    assert "clot_in_lung" in {f for f, _ in red_flags(nlp, "calf swollen and my breathing is weird")}


@pytest.mark.parametrize("text", [
    "My bum goes numb on the hard seats at my daughter's games, gone once I stand up",
    "feet tingle when my laces are too tight, fine when I loosen them",
])
def test_numbness_from_a_hard_seat_or_tight_laces_is_asked_about_not_taken(nlp, text):
    said = red_flags(nlp, text)
    assert said and all(role == "uncertain" for _, role in said)


@pytest.mark.parametrize("text", ["L 4 R 9", "l: 4, r: 9"])
def test_letter_sides_with_counts(nlp, text):
    assert [(e["value"]) for e in nlp.extract(text) if e["entity"] == "side"] == ["left", "right"]
    assert not [e for e in nlp.extract("u r 2 kind") if e["entity"] == "side"]


def test_training_limping_along_is_no_limp(nlp):
    assert not red_flags(nlp, "my mileage has been limping along since Christmas")


def test_asking_why_the_bot_asks_about_a_place_is_no_cue_to_check(nlp):
    assert not red_flags(nlp, "why r u asking about my chest, it's my calf that's the problem")
    assert red_flags(nlp, "why are you asking? I did get chest pain on my run yesterday")


@pytest.mark.parametrize("text, fault", [
    ("left leg, the knee go inside", "knee_caved"),
    ("my hips are lifting off the pillow", "hips_lifted"),
    ("right knee fall down, no control", "knee_dropped"),
])
def test_self_check_faults_in_a_second_language(nlp, text, fault):
    assert ("check_fault", fault, None) in found(nlp, text)


def test_a_red_flag_in_a_sentence_that_asks_is_asked_back(nlp):
    assert red_flags(nlp, "pain at rest? my knee aches in a film if it stays bent, otherwise no") == {
        ("bone_stress_signs", "uncertain")}
    assert ("bone_stress_signs", None) in red_flags(nlp, "my shin aches at rest. is that bad?")


@pytest.mark.parametrize("text, sore, past", [
    ("my feet used to be the problem but my calf is the thing now", {"calf"}, {"foot"}),
    ("used to be my quads that ached, now it's the front of my shins", {"shin"}, {"quad"}),
    ("IT band trouble in 2019, these days my knee", {"knee"}, {"it_band"}),
    ("I'm not used to hills and my knee hurts", {"knee"}, set()),
    ("knee pain since last year", {"knee"}, set()),
    ("a pain in my arch when I run, had tendonitis years ago", {"foot"}, set()),
    ("my hamstring used to play up and it still does", {"hamstring"}, set()),
])
def test_body_parts_spoken_of_in_the_past_hurt_no_more(nlp, text, sore, past):
    entities = found(nlp, text)
    assert {value for entity, value, role in entities if entity == "body_part" and role is None} == sore
    assert {value for entity, value, role in entities if entity == "body_part" and role == "past"} == past


@pytest.mark.parametrize("text, flag, role", [
    ("Tore my Achilles in 2015 and had it repaired, run three marathons since with no problems",
     "achilles_rupture", "past"),
    ("I had a hot swollen knee with a fever about six years ago, it cleared up completely",
     "hot_swollen_joint", "past"),
    # a history counts however long ago (the knowledge base's past_counts)
    ("I fainted at a race last year", "chest_symptoms", None),
    ("my dad died of a heart attack at 45 years ago", "cardiac_history", None),
    # the past part does not reach the present one
    ("my shin hurt years ago and now it hurts at night", "bone_stress_signs", None),
    # asked with the past wording even where the phrase alone would be asked anyway
    ("had a really swollen hot knee with a temperature back in 2019, antibiotics sorted it and its been fine since",
     "hot_swollen_joint", "past"),
])
def test_a_red_flag_told_as_over_is_asked_about_unless_its_history_counts(nlp, text, flag, role):
    assert (flag, role) in red_flags(nlp, text)


def test_a_body_part_naming_a_topic_is_no_sore_place(nlp):
    assert ("body_part", "glute", "place") in found(nlp, "Hello, I read your glute article and I'm curious")
    assert ("body_part", "knee", None) in found(nlp, "doing hip exercises and my knee aches")
    assert ("body_part", "hip", "place") in found(nlp, "doing hip exercises and my knee aches")


def test_pain_you_cannot_think_past_is_severe(nlp):
    assert ("severe_pain", None) in red_flags(nlp, "The pain in my foot is so bad I can't think about anything else.")


@pytest.mark.parametrize("text, sore", [
    ("my quads screamed every time I bent my knees", {"quad"}),
    ("the knees felt normal again once I warmed up", set()),
    ("a bit of stiffness in the knees, not pain though", set()),
    ("new trainers feel comfy on my feet but my left knee hurts", {"knee"}),
])
def test_good_news_and_movements_are_no_sore_place(nlp, text, sore):
    assert {value for entity, value, role in found(nlp, text) if entity == "body_part" and role is None} == sore


def test_a_red_flag_that_was_got_rid_of_is_asked_about_not_dropped(nlp):
    # "got rid of" says a sore place no longer hurts; of a red flag it says it was there
    assert ("red_flag", "bone_stress_signs", "uncertain") in found(nlp, "ibuprofen got rid of the night pain in my shin")


def test_not_so_much_in_a_place_is_not_there(nlp):
    # "so" ends a negation's reach, but not inside the cue "not so much in"
    assert ("body_part", "glute", "negated") in found(nlp, "felt it in the back of my leg, not so much in my glute")


@pytest.mark.parametrize("text, timing", [
    ("the knee starts at about mile 4", "during_runs"),
    ("a mile into any run the achilles flares", "during_runs"),
    ("since my 16 miler the groin has ached", "after_runs"),
    ("woke up with my shin sore", "next_morning"),
])
def test_timing_told_as_a_story(nlp, text, timing):
    assert ("timing", timing, None) in found(nlp, text)


@pytest.mark.parametrize("text, sides", [
    ("the upper right corner of my left knee hurts", {"left"}),
    ("my right hamstring is tight, less flexible than the left", {"right"}),
])
def test_a_side_that_is_only_a_corner_or_a_comparison_is_no_side(nlp, text, sides):
    assert {v for e, v, r in found(nlp, text) if e == "side" and r is None} == sides


@pytest.mark.parametrize("text, sore, cause", [
    ("sore quads after downhill races, wondering if my glutes are to blame?", {"quad"}, {"glute"}),
    ("my physio says my glutes are weak and my knee hurts", {"knee"}, {"glute"}),
    ("I think lazy glutes are causing my knee pain", {"knee"}, {"glute"}),
    ("my glutes are weak and sore", {"glute"}, set()),
    ("my weak left hip aches after runs", {"hip"}, set()),
])
def test_a_part_named_as_the_suspected_cause_is_no_sore_place(nlp, text, sore, cause):
    entities = found(nlp, text)
    assert {v for t, v, r in entities if t == "body_part" and r is None} == sore
    assert {v for t, v, r in entities if t == "body_part" and r == "place"} == cause


@pytest.mark.parametrize("text", [
    "the tempo felt like a 7 out of 10 for effort, nothing actually hurts though",
    "id give my motivation a 7 out of 10 at the moment lol, nothing hurts",
    "my back was an 8 out of 10 about seven years ago, physio sorted it and its been fine since",
])
def test_a_score_of_something_else_or_of_long_ago_is_no_pain_score(nlp, text):
    entities = nlp.extract(text)
    assert not [e for e in entities if e["entity"] == "number" and e.get("role") == "pain"]
    assert "severe_pain" not in {e["value"] for e in entities if e["entity"] == "red_flag"}


def test_a_high_score_of_it_without_pain_words_is_asked_about(nlp):
    assert ("red_flag", "severe_pain", "uncertain") in found(nlp, "its an 8 but im still running on it")


def test_two_as_text_speak_for_to_is_no_number(nlp):
    assert not [e for e in nlp.extract("sore 2 touch n it hurts") if e["entity"] == "number"]


def test_a_bone_stress_sign_in_the_groin_also_asks_about_the_urgent_groin_red_flag(nlp):
    entities = found(nlp, "the bone low down in the groin crease is sore to touch and it hurts more the longer i run")
    assert ("red_flag", "bone_stress_signs", None) in entities
    assert ("red_flag", "groin_pain_weight_bearing", "uncertain") in entities


@pytest.mark.parametrize("text, flag", [
    ("since the weekend i cant really feel it when i wipe", "saddle_numbness_or_bladder"),
    ("the skin down there feels dead", "saddle_numbness_or_bladder"),
    ("a spot on the top of my foot i can't press without wincing", "bone_stress_signs"),
    ("heel bone sore even w/ no weight on it", "bone_stress_signs"),
])
def test_red_flags_in_everyday_words(nlp, text, flag):
    assert ("red_flag", flag, None) in found(nlp, text)


@pytest.mark.parametrize("text, absent", [
    ("heel bone sore even w/ no weight on it", "cannot_bear_weight"),
    ("i've lost weight i can't explain, my clothes are baggy", "cannot_bear_weight"),
    ("it aches even lying in bed and i cant hop on that foot", "cannot_bear_weight"),
])
def test_words_near_a_red_flag_that_do_not_make_it(nlp, text, absent):
    assert absent not in {e["value"] for e in nlp.extract(text) if e["entity"] == "red_flag"}


def test_the_side_of_a_running_pattern_someone_saw_is_marked(nlp):
    entities = found(nlp, "outside of my left knee hurts. my wife filmed me: my right hip drops")
    assert ("side", "left", None) in entities and ("side", "right", "gait") in entities


def test_good_news_inside_a_gapped_red_flag_denies_it(nlp):
    assert ("red_flag", "bone_stress_signs", "negated") in found(
        nlp, "No, it's only sore after hill sessions, fine walking about.")


def test_a_second_part_that_only_says_which_leg_is_no_sore_place(nlp):
    entities = found(nlp, "The Achilles, on the right foot.")
    assert ("body_part", "foot", "place") in entities and ("body_part", "achilles", None) in entities


def test_a_number_of_times_is_a_count(nlp):
    assert ("number", 3, "reps") in {(t, v, r) for t, v, r in found(nlp, "three time for the IT band")}


@pytest.mark.parametrize("text, asks", [
    ("ya heaps harder lately, dunno why", False),
    ("yes, no idea why though", False),
    ("why do you need to know, dunno why it matters", True),
    ("dunno why?", True),
    ("why are you asking", True),
    ("my hip's been grumbling, that's why I'm here, and my calf went pop on Tuesday", False),
])
def test_a_why_after_dunno_asks_nothing(text, asks):
    from bot.nlu.why_intent import asks_nothing
    assert asks_nothing(text) is not asks


@pytest.mark.parametrize("text, expected, absent", [
    ("the outside of my left hip, where your hand rests when you stand with hands on hips",
     ("body_part", "hip", None), ("timing", "at_rest", None)),
    ("my wife filmed me at parkrun and my knees barely lift", ("gait_sign", "low_knee_drive", None),
     ("red_flag", "muscle_breakdown", None)),
    ("an ache on the inner side of my left knee", ("body_part", "knee", None), ("body_part", "it_band", None)),
    ("to save us both time: my left shin hurts", ("side", "left", None), ("side", "both", None)),
    ("where the calf is finishing into the heel", ("body_part", "achilles", None), ("body_part", "calf", None)),
])
def test_words_that_look_like_another_reading(nlp, text, expected, absent):
    entities = found(nlp, text)
    assert expected in entities and absent not in entities


@pytest.mark.parametrize("text, flag", [
    # a limp with only another sore place named is pain that changes the walk
    ("my shin is throbbing and I've been hobbling about since Sunday", "severe_pain"),
    ("ankle still angry, walking with a limp to the bus", "severe_pain"),
    ("the foot isn't too bad really but I'm hobbling on it at work", "severe_pain"),
    # with the groin or hip, or with no place at all, it stays the groin red flag
    ("hip and groin ache and I'm limping by the evening", "groin_pain_weight_bearing"),
    ("been limping after my long runs", "groin_pain_weight_bearing"),
])
def test_a_limp_goes_with_the_place_that_hurts(nlp, text, flag):
    flags = {(e["value"], e.get("role")) for e in nlp.extract(text) if e["entity"] == "red_flag"}
    assert (flag, None) in flags
    if flag == "severe_pain":  # the protocol's "limp after running" is still asked about
        assert ("groin_pain_weight_bearing", "uncertain") in flags
        assert ("groin_pain_weight_bearing", None) not in flags
    else:
        assert not {f for f, _ in flags if f == "severe_pain"}


@pytest.mark.parametrize("text, flag", [
    ("hobbled for a few strides after parking, then it settled and I walked normally again",
     "groin_pain_weight_bearing"),
    ("honestly I almost fainted when I opened my race results", "chest_symptoms"),
    ("skipped my period for a couple of months back in uni", "energy_deficiency"),
    ("no periods during my pregnancy, normal since", "energy_deficiency"),
    ("both knees feel warm after parkrun, like the rest of me", "hot_swollen_joint"),
])
def test_a_red_flag_that_may_be_none_is_asked_about(nlp, text, flag):
    assert ("red_flag", flag, "uncertain") in found(nlp, text)


def test_periods_gone_for_three_months_or_more_count_as_said(nlp):
    assert ("red_flag", "energy_deficiency", None) in found(nlp, "no period for about four months now")


def test_a_heel_that_hurts_to_squeeze_asks_about_a_bone_stress_sign(nlp):
    assert ("red_flag", "bone_stress_signs", "uncertain") in found(
        nlp, "the heel really hurts when I squeeze it from the sides")


def test_body_weight_is_no_weight_bearing(nlp):
    flags = {e["value"] for e in nlp.extract("dropped a few kilos of weight this month and my hip flexor is tight")
             if e["entity"] == "red_flag"}
    assert "groin_pain_weight_bearing" not in flags


def test_tingling_down_one_leg_from_the_buttock_is_a_nerve_sign_not_saddle_numbness(nlp):
    flags = {e["value"] for e in nlp.extract("my left leg went tingly from the buttock down to the ankle")
             if e["entity"] == "red_flag"}
    assert "nerve_symptoms" in flags and "saddle_numbness_or_bladder" not in flags


@pytest.mark.parametrize("text, flag", [
    ("lately I am far more breathless than normal on gentle runs", "chest_symptoms"),
    ("my quads are puffed up and way more than normal soreness after the hill reps", "muscle_breakdown"),
    ("twice this week I nearly didn't make it to the loo in time", "saddle_numbness_or_bladder"),
])
def test_comparisons_and_near_misses_of_the_body_are_read(nlp, text, flag):
    assert flag in {e["value"] for e in nlp.extract(text) if e["entity"] == "red_flag" and e.get("role") != "negated"}


@pytest.mark.parametrize("text", [
    "my ankle is so sore I'm walking stiff-legged",
    "the knee hurts that much I'm going down the stairs sideways",
])
def test_a_walk_changed_by_pain_is_severe_pain_and_asks_about_the_groin(nlp, text):
    entities = found(nlp, text)
    assert ("red_flag", "severe_pain", None) in entities
    assert ("red_flag", "groin_pain_weight_bearing", "uncertain") in entities


def test_a_healed_bone_sign_is_asked_about_not_taken(nlp):
    assert ("red_flag", "bone_stress_signs", None) not in found(
        nlp, "had a sore spot on my shin bone two winters ago, fully healed after a few weeks off")


@pytest.mark.parametrize("text, value", [("my shinss ache", "shin"), ("both kneess", "knee")])
def test_a_plural_typed_with_a_held_key_is_the_place(nlp, text, value):
    assert ("body_part", value, None) in found(nlp, text)


@pytest.mark.parametrize("text", ["left side my knee drifted in towards the other one",
                                  "the knee swung inwards towards my other knee"])
def test_a_knee_drifting_towards_the_other_leg_is_a_caved_knee(nlp, text):
    assert ("check_fault", "knee_caved", None) in found(nlp, text)
