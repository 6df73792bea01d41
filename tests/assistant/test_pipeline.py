"""Audio in, understanding out: understand() and transcribe() on tiny models."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.commands.grammar import CommandSet
from assistant.decoding import greedy_decode
from assistant.decoding.lexicon import lexicon_graph
from assistant.pipeline import (
    TranscribeOptions,
    UnderstandOptions,
    transcribe,
    understand,
)
from assistant.recognizer import Recognizer
from assistant.vocabulary import TOKENS
from tests.assistant.commands.test_confidence import _calibration
from tests.assistant.test_engine import SaysText

COMMANDS = CommandSet.from_yaml('intents:\n  GetTime:\n    - "what time is it"\n')


@pytest.fixture
def recognizer(model_path: Path) -> Recognizer:
    return Recognizer(model_path, provider="cpu")


def test_transcribe_decodes_the_log_probs(recognizer: Recognizer, speechlike: np.ndarray) -> None:
    result = transcribe(speechlike, recognizer)
    assert result.text == greedy_decode(recognizer.log_probs(speechlike))
    assert result.duration_s == pytest.approx(0.5)
    assert result.speech
    assert result.timings.acoustic_ms > 0.0
    assert result.timings.total_ms >= result.timings.acoustic_ms
    assert result.options == TranscribeOptions()


def test_transcribe_text_of_a_model_that_always_says_a(make_model, speechlike: np.ndarray) -> None:
    bias = np.zeros(len(TOKENS))
    bias[TOKENS.index("a")] = 10.0
    recognizer = Recognizer(make_model(weights=np.zeros((80, len(TOKENS))), bias=bias))
    assert transcribe(speechlike, recognizer).text == "a"


def test_transcribe_with_a_word_list_spells_only_those_words(
    recognizer: Recognizer, speechlike: np.ndarray
) -> None:
    model = SaysText(recognizer.info, "what time")
    options = TranscribeOptions(words=lexicon_graph(["what", "time", "is"], loop=True))
    result = transcribe(speechlike, model, options)
    assert (result.text, result.options) == ("what time", options)


def test_silence_is_not_transcribed(recognizer: Recognizer) -> None:
    model = SaysText(recognizer.info, "stop")
    result = transcribe(np.zeros(16000, dtype=np.float32), model)
    assert (result.text, result.speech, result.duration_s, model.calls) == ("", False, 1.0, 0)


def test_understand_hears_once_and_recognises(
    recognizer: Recognizer, speechlike: np.ndarray
) -> None:
    model = SaysText(recognizer.info, "what time is it")
    understood = understand(speechlike, model, COMMANDS)
    assert understood.heard == "what time is it"
    assert (understood.result.intent, understood.result.text) == ("GetTime", "what time is it")
    assert understood.speech and model.calls == 1
    assert understood.options == UnderstandOptions()


def test_understand_rejects_silence_and_short_audio_without_decoding(
    recognizer: Recognizer, speechlike: np.ndarray
) -> None:
    model = SaysText(recognizer.info, "what time is it")
    silent = understand(np.zeros(16000, dtype=np.float32), model, COMMANDS)
    short = understand(speechlike[:1600], model, COMMANDS)  # 100 ms
    preroll_only = understand(speechlike, model, COMMANDS, preroll=speechlike.size - 800)
    for understood in (silent, short, preroll_only):
        assert (understood.heard, understood.result.intent, understood.speech) == ("", None, False)
    assert model.calls == 0


def test_understand_threshold_comes_from_the_options_or_the_calibration() -> None:
    calibration = _calibration()
    assert UnderstandOptions(sensitivity="strict").threshold_of(calibration) == 0.9
    assert UnderstandOptions().threshold_of(calibration) == 0.6
    assert UnderstandOptions(threshold=0.25).threshold_of(calibration) == 0.25


def test_understand_rejects_below_the_threshold(
    recognizer: Recognizer, speechlike: np.ndarray
) -> None:
    model = SaysText(recognizer.info, "what time is it")
    zeros = (0.0,) * len(_calibration().weights)
    unsure = _calibration(weights=zeros, bias=-5.0)  # confidence 0.0067 whatever is heard
    understood = understand(speechlike, model, COMMANDS, calibration=unsure)
    assert (understood.heard, understood.result.intent) == ("what time is it", None)
    assert understood.result.confidence == pytest.approx(0.0067, abs=1e-4)
