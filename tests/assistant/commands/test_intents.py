"""Intent recognition: typed slots, confidence, and rejection of silence and other speech."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import (
    Interpretation,
    analyse,
    bundled_calibration,
    free_text_known,
    match_text,
    recognize,
)
from assistant.decoding.constrained import BeamConfig, with_bonus
from assistant.recognizer import Recognizer, default_model_path
from assistant.vocabulary import BLANK_ID, TOKENS
from tests.assistant.conftest import PeakyFactory, peaky_log_probs


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("set a timer for ten minutes", "SetTimer", {"duration": 600}),
        (
            "Set a timer for an hour and a half, called Tea!",
            "SetTimer",
            {"duration": 5400, "name": "tea"},
        ),
        ("start a twenty five minute timer", "SetTimer", {"minutes": 25}),
        (
            "what is one hundred and five divided by seven",
            "Calculate",
            {"a": 105, "op": "divided", "b": 7},
        ),
        ("what is twelve multiplied by zero", "Calculate", {"a": 12, "op": "times", "b": 0}),
        ("open the web browser", "OpenApp", {"app": "firefox"}),
        ("add a note buy milk and eggs", "AddNote", {"note": "buy milk and eggs"}),
        ("what time is it", "GetTime", {}),
        ("cancel the timer", "CancelTimer", {}),
        # Everyday wordings, not only the first one a developer thinks of.
        ("what's seven times eight", "Calculate", {"a": 7, "op": "times", "b": 8}),
        ("how much is six plus nine", "Calculate", {"a": 6, "op": "plus", "b": 9}),
        ("set a ten minute timer", "SetTimer", {"minutes": 10}),
        ("start a ninety second timer", "SetTimer", {"seconds": 90}),
        ("set an eight minute timer", "SetTimer", {"minutes": 8}),
        ("start an eleven hour timer", "SetTimer", {"hours": 11}),
        ("set a hundred second timer", "SetTimer", {"seconds": 100}),
        ("begin one hundred and five minute timer", "SetTimer", {"minutes": 105}),
        ("set a two hour timer called sleep", "SetTimer", {"hours": 2, "name": "sleep"}),
        ("start a timer for five minutes", "SetTimer", {"duration": 300}),
        ("how long is left on my timer", "ListTimers", {}),
        ("cancel my timer", "CancelTimer", {}),
        ("what time is it right now", "GetTime", {}),
        ("what's the current time", "GetTime", {}),
        ("what's today's date", "GetDate", {}),
        ("what day is it today", "GetDate", {}),
        ("turn it up", "VolumeUp", {}),
        ("lower the volume", "VolumeDown", {}),
        ("tell a joke", "TellJoke", {}),
        ("forget it", "Stop", {}),
        ("run the terminal", "OpenApp", {"app": "terminal"}),
        ("list my notes", "ReadNotes", {}),
    ],
)
def test_match_text_types_slot_values(
    text: str, intent: str, slots: dict, builtin_commands: CommandSet
) -> None:
    result = match_text(text, builtin_commands)
    assert (result.intent, dict(result.slots), result.confidence) == (intent, slots, 1.0)


def test_match_text_reports_spans(builtin_commands: CommandSet) -> None:
    result = match_text("remind me in ten minutes to call bob", builtin_commands)
    spans = {s.name: (s.start, s.end, s.text) for s in result.spans}
    assert spans == {"duration": (13, 24, "ten minutes"), "name": (28, 36, "call bob")}
    assert result.text[13:24] == "ten minutes"


def test_match_text_rejects_out_of_grammar(builtin_commands: CommandSet) -> None:
    result = match_text("What is the weather?", builtin_commands)
    assert (result.intent, dict(result.slots), result.confidence, result.text) == (
        None,
        {},
        0.0,
        "what is the weather",
    )
    assert match_text("what is two thousand plus one", builtin_commands).intent is None


@pytest.mark.parametrize(
    ("sentence", "intent", "slots", "passes"),
    [
        ("set a timer for two hours thirty minutes", "SetTimer", {"duration": 9000}, "strict"),
        (
            "what is five hundred and one minus twenty",
            "Calculate",
            {"a": 501, "op": "minus", "b": 20},
            "strict",
        ),
        ("launch the terminal", "OpenApp", {"app": "terminal"}, "strict"),
        # free text is weighed more warily: a clear note need only pass the normal setting
        ("add a note call all", "AddNote", {"note": "call all"}, "normal"),
    ],
)
def test_recognize_peaky_speech(
    sentence: str,
    intent: str,
    slots: dict,
    passes: str,
    peaky: PeakyFactory,
    builtin_commands: CommandSet,
) -> None:
    result = recognize(peaky(sentence, seed=3), builtin_commands)
    assert (result.intent, dict(result.slots), result.text) == (intent, slots, sentence)
    assert result.confidence >= bundled_calibration().threshold(passes)
    assert result.alternatives[0].text == sentence


@pytest.mark.parametrize(
    "sentence", ["hello there how are you", "play some music", "set the alarm for seven"]
)
def test_out_of_grammar_speech_is_rejected_with_what_was_heard(
    sentence: str, peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    result = recognize(peaky(sentence), builtin_commands)
    assert (result.intent, dict(result.slots), result.text) == (None, {}, sentence)
    assert result.confidence < 0.5


def test_silence_is_rejected(builtin_commands: CommandSet) -> None:
    silence = np.full((50, len(TOKENS)), np.log(0.001 / 28), dtype=np.float32)
    silence[:, BLANK_ID] = np.log(0.999)
    result = recognize(silence, builtin_commands)
    assert (result.intent, result.text, result.confidence, result.alternatives) == (
        None,
        "",
        0.0,
        (),
    )


def test_threshold_decides_rejection(peaky: PeakyFactory, builtin_commands: CommandSet) -> None:
    log_probs = peaky("turn the volume up")
    assert recognize(log_probs, builtin_commands, threshold=0.5).intent == "VolumeUp"
    assert recognize(log_probs, builtin_commands, threshold=1.0).intent is None


def test_agreement_is_one_minus_the_character_error_rate_without_spaces() -> None:
    from assistant.commands.intents import agreement

    assert agreement("what time is it", "what time is it") == 1.0
    assert agreement("whattimeisit", "what time is it") == 1.0
    assert agreement("what tyme is it", "what time is it") == pytest.approx(1 - 1 / 12)
    assert agreement("acaedisit", "what can i say") < 0.5
    assert agreement("", "help") == 0.0


def test_prefix_distance_measures_against_the_closest_start() -> None:
    from assistant.commands.confusion import prefix_distance

    assert prefix_distance("note", "notbuymilk") == 1
    assert prefix_distance("note", "notebuymilk") == 0
    assert prefix_distance("note", "eleventwenty") == 3
    assert prefix_distance("", "anything") == 0
    assert prefix_distance("note", "") == 4


def test_carrier_of_a_free_text_sentence_must_agree_on_its_own(
    builtin_commands: CommandSet,
) -> None:
    from assistant.commands.intents import carrier_agreement

    note = match_text("note twenty seven fifty seven", builtin_commands)
    assert note.intent == "AddNote"
    # the free text matches whatever was heard; only "note" can tell a note from other speech
    # two errors more than heard: four letters are weak evidence even when heard exactly
    assert carrier_agreement("note twenty seven", note.text, note.spans) == 0.5
    assert carrier_agreement("not twenty seven", note.text, note.spans) == 0.25
    assert carrier_agreement("eleven twenty seven fifty seven", note.text, note.spans) == 0.0
    # a long start keeps the usual allowance for misheard letters
    timer = match_text("set a timer for ten minutes called pasta", builtin_commands)
    heard = "set timer for ten minits called pasta"  # 3 errors in 28 letters
    assert carrier_agreement(heard, timer.text, timer.spans) == pytest.approx(1 - 5 / 28)
    plain = match_text("what time is it", builtin_commands)
    assert carrier_agreement("anything", plain.text, plain.spans) == 1.0


def test_free_text_slot_keeps_faint_letters_the_search_drops(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    from assistant.decoding.constrained import constrained_decode

    # a model that hears every letter, but none much above blank
    probs = np.exp(peaky("add a note buy milk", seed=3, peak=0.5))
    probs[:, BLANK_ID] += 0.3
    log_probs = np.log(probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)
    searched = constrained_decode(log_probs, builtin_commands.graph)[0].text
    assert searched.startswith("add a note ") and searched != "add a note buy milk"
    result = recognize(log_probs, builtin_commands, threshold=0.0)
    assert (result.intent, dict(result.slots)) == ("AddNote", {"note": "buy milk"})


def test_free_text_spellings_are_not_rivals(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    """Sentences that differ only in how the free text is spelled tie by nature; the command is
    sure when its words before the free text are, and the free text is read as heard."""
    log_probs = peaky("set a timer for ten minutes called take out the bins", seed=5, peak=0.6)
    result = recognize(log_probs, builtin_commands)
    assert result.confidence >= bundled_calibration().threshold("normal")
    assert (result.intent, dict(result.slots)) == (
        "SetTimer",
        {"duration": 600, "name": "take out the bins"},
    )


def test_free_text_heard_as_no_english_words_lowers_the_confidence(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    """Free text costs nothing on the alignment, being read as heard; its words being common
    English words is what tells a name heard right from one heard as noise."""
    timer = "set a timer for ten minutes called"
    words = recognize(peaky(f"{timer} some time", seed=5), builtin_commands)
    noise = recognize(peaky(f"{timer} soe tien", seed=5), builtin_commands)
    assert words.intent == "SetTimer" and words.confidence > 0.9
    assert noise.confidence < words.confidence - 0.2
    assert noise.intent is None


def test_free_text_known_is_the_share_of_common_words(builtin_commands: CommandSet) -> None:
    def best(text: str) -> Interpretation:
        return analyse(peaky_log_probs(text), builtin_commands).candidates[0]

    assert free_text_known(best("set a timer for ten minutes called chec the ofen")) == 1 / 3
    assert free_text_known(best("set a timer for ten minutes called check the oven")) == 1.0
    assert free_text_known(best("set a timer for ten minutes called kiri")) == 0.0
    assert free_text_known(best("what time is it")) == 1.0


def _held_out_voice(text: str, voice_index: int, seed: int) -> np.ndarray:
    """``text`` spoken by a pico voice as ``benchmarks/commands_accuracy.py`` makes it."""
    voices = pytest.importorskip("models.data.voices")
    synthesize = pytest.importorskip("models.data.synthesize")
    if shutil.which("pico2wave") is None:
        pytest.skip("pico2wave is not installed (scripts/setup.sh tts)")
    voice = voices.voices_of("pico")[voice_index]
    audio, rate = synthesize.render_speech(voice, text, seed)
    return synthesize.finish_audio(audio, rate, np.random.default_rng(seed))


# The benchmark's commands where a 16-wide beam loses the sentence said with the bundled model
# (stages 13 to 17: "softer"; stage 10 also lost "what's the current time now"): prefixes
# racing ahead on faint letters fill the beam. The default, 64 wide, finds them. The cases
# depend on the model: after a release, look for new ones among the benchmark's commands
# (the 16-wide beam's best sentence wrong, the default's right and accepted).
@pytest.mark.tts
@pytest.mark.parametrize(
    ("text", "voice_index", "seed", "intent"),
    [("softer", 0, 251, "VolumeDown")],
)
def test_the_default_beam_keeps_sentences_a_narrow_one_loses(
    text: str, voice_index: int, seed: int, intent: str, builtin_commands: CommandSet
) -> None:
    model = default_model_path()
    if not model.is_file():
        pytest.skip(f"no bundled model at {model}")
    log_probs = Recognizer(model).log_probs(_held_out_voice(text, voice_index, seed))
    narrow = recognize(log_probs, builtin_commands, beam=BeamConfig(beam_width=16))
    wide = recognize(log_probs, builtin_commands)
    assert (wide.intent, dict(wide.slots)) == (intent, {})
    assert wide.confidence >= bundled_calibration().threshold("normal")
    bonus = BeamConfig().char_bonus
    best = wide.alternatives[0]
    assert with_bonus(best.log_score, best.text, bonus) >= with_bonus(
        narrow.alternatives[0].log_score, narrow.alternatives[0].text, bonus
    )
