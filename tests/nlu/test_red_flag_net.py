"""The red-flag safety net: where the lexicon misses a red flag, the runner is asked about it;
where nothing is wrong, nobody is asked. (No Rasa model: the net trains in a few seconds.)"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.nlu.clinical_extractor import RED_FLAG, UNCERTAIN, build_nlp, red_flag_levels
from bot.nlu.red_flag_model import ExamplesError, RedFlagModel, load_examples
from bot.nlu.red_flag_net import NET_NAME, RedFlagNet, build_model, net_guess
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = yaml.safe_load((ROOT / "config.yml").read_text())
NET_CONFIG = next(c for c in SETTINGS["pipeline"] if c["name"].endswith("RedFlagNet"))


@pytest.fixture(scope="module")
def net():
    return RedFlagNet({k: v for k, v in NET_CONFIG.items() if k != "name"})


@pytest.fixture(scope="module")
def nlp():
    return build_nlp()


def asked(net, nlp, text):
    """The red flag the runner would be asked to confirm, or None."""
    guess = net_guess(net.model, text, nlp.extract(text), net.settings, net.urgency)
    assert guess is None or (guess["entity"] == RED_FLAG and guess["role"] == UNCERTAIN)
    return guess and guess["value"]


def test_a_red_flag_the_lexicon_misses_is_asked_about(net, nlp):
    text = "my shin is ok for the first mile but it gets worse and worse the further I go until I have to walk"
    assert not [e for e in nlp.extract(text) if e["entity"] == RED_FLAG]
    assert asked(net, nlp, text) == "bone_stress_signs"


def test_a_more_urgent_red_flag_than_the_lexicon_read_is_asked_about(net, nlp):
    # the lexicon hears only bad pain ("killing me"); vomiting and a headache after a race is more
    # ("throwing up ... my head is killing me" is now read by the lexicon itself; see below)
    text = "drank loads, been heaving my guts up since the race and my head is killing me"
    lexicon = {e["value"] for e in nlp.extract(text) if e["entity"] == RED_FLAG}
    assert "heat_or_fluid_illness" not in lexicon
    assert asked(net, nlp, text) == "heat_or_fluid_illness"


@pytest.mark.parametrize("text", [
    "both legs", "front of my hip on the right", "/affirm", "none of these",
    "no chest pain, no fainting, just a sore knee",       # denied, and the net's doubt is not strong
    "I fainted at the end of the race",                    # the lexicon has it: no second question
    "left glute mostly, after long runs, about a 4",
    "held 30 seconds on both legs, felt steady",
    "I sit at a desk about 9 hours a day",
])
def test_no_question_where_nothing_is_wrong_or_the_lexicon_already_read_it(net, nlp, text):
    assert asked(net, nlp, text) is None


def test_training_is_deterministic():
    examples = load_examples(red_flag_levels())
    texts = ["my calf is a bit puffy after the flight", "legs went wobbly at the finish"]
    assert RedFlagModel(examples).scores(texts) == RedFlagModel(examples).scores(texts)


def test_every_red_flag_has_examples_and_unknown_ids_are_refused(tmp_path):
    examples = load_examples(red_flag_levels())
    assert set(red_flag_levels()) <= set(examples.labels)
    (tmp_path / "made_up.yml").write_text("red_flag: sore_toes\nexamples: [{text: my toes hurt}]\n")
    with pytest.raises(ExamplesError, match="sore_toes"):
        load_examples(red_flag_levels(), str(tmp_path))


def test_the_component_adds_the_question_to_the_message(net):
    text = "my shin is ok for the first mile but it gets worse and worse the further I go until I have to walk"
    message = Message({TEXT: text, ENTITIES: []})
    net.process([message])
    added = [e for e in message.get(ENTITIES) if e.get("extractor") == NET_NAME]
    assert [(e["value"], e["role"]) for e in added] == [("bone_stress_signs", UNCERTAIN)]


def test_the_model_is_trained_once_per_set_of_examples():
    assert build_model() is build_model()


def test_a_server_start_reuses_the_saved_net_and_retrains_over_a_damaged_file(tmp_path, monkeypatch):
    from bot.nlu import red_flag_net

    monkeypatch.setattr(red_flag_net, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(red_flag_net, "_MODELS", {})
    trained = build_model()
    saved = list((tmp_path / "models").glob("red-flag-net-*.pkl"))
    assert len(saved) == 1
    monkeypatch.setattr(red_flag_net, "_MODELS", {})  # as in a new server process
    loaded = build_model()
    texts = ["my calf went all puffy and hot", "knee a bit sore after parkrun"]
    assert loaded is not trained and loaded.scores(texts) == trained.scores(texts)
    saved[0].write_bytes(b"not a model")
    monkeypatch.setattr(red_flag_net, "_MODELS", {})
    assert build_model().scores(texts) == trained.scores(texts)  # trained again, and saved again
    assert saved[0].read_bytes() != b"not a model"


@pytest.mark.parametrize("text", ["top of my right foot", "the outer side of my left hip", "front of both shins"])
def test_a_message_that_only_names_a_place_is_not_asked_about(net, nlp, text):
    assert asked(net, nlp, text) is None


@pytest.mark.parametrize("text", ["no. breathing fine, no chest stuff", "nope, heart is fine and no dizziness"])
def test_a_plain_no_with_only_denials_after_it_is_not_asked_about(net, nlp, text):
    assert asked(net, nlp, text) is None


def test_a_no_followed_by_a_story_is_still_read(net, nlp):
    from bot.nlu.red_flag_net import plain_denial
    assert not plain_denial("no, but my chest went weird on the hill and I had to sit down")
    assert not plain_denial("nope, chest went weird on the hill")


def test_throwing_up_with_a_bad_head_after_a_race_is_asked_about_as_heat_or_fluid_illness(nlp):
    text = "drank loads, but I've been throwing up since the race and my head is killing me"
    assert (RED_FLAG, "heat_or_fluid_illness", UNCERTAIN) in {
        (e["entity"], e["value"], e.get("role")) for e in nlp.extract(text)}


class _Scores:
    """A stand-in model with fixed scores, to test the rules around the model."""

    def __init__(self, scores):
        self._scores = scores

    def scores(self, texts):
        return [dict(self._scores) for _ in texts]


def test_a_more_urgent_guess_must_be_likely_on_its_own_to_be_asked(net):
    from bot.nlu.red_flag_net import NetSettings

    settings = NetSettings(threshold=0.5, together=0.6, floor=0.15, escalate_threshold=0.7)
    read = [{"entity": RED_FLAG, "value": "nerve_symptoms", "start": 0, "end": 4}]
    text = "my back was sore and then the leg went numb"
    # nerve 0.45 + saddle 0.30 are likely together, but saddle alone is not: nothing more to ask
    together = _Scores({"nerve_symptoms": 0.45, "saddle_numbness_or_bladder": 0.30, "none": 0.25})
    assert net_guess(together, text, read, settings, net.urgency) is None
    alone = _Scores({"nerve_symptoms": 0.1, "saddle_numbness_or_bladder": 0.8, "none": 0.1})
    assert net_guess(alone, text, read, settings, net.urgency)["value"] == "saddle_numbness_or_bladder"
