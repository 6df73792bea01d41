"""Audio in, understanding out: the one path from an utterance to a command or a text.

:func:`understand` is what the app (through :class:`~assistant.engine.Engine`), ``assistant
recognize`` and the benchmarks call; :func:`transcribe` is ``assistant transcribe``'s. Both
skip audio without speech (the model spells something for any sound: white noise reads
"aeataeaaa"), run the acoustic model once and decode its log-probs greedily once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.audio.endpoint import has_speech
from assistant.commands.confidence import DEFAULT_SENSITIVITY, Calibration
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult, bundled_calibration, recognize
from assistant.decoding.constrained import BeamConfig, constrained_decode, unconstrained_decode
from assistant.decoding.graph import CharGraph
from assistant.decoding.words import WordsConfig, read_as_words
from assistant.model_format import ModelInfo


class AcousticModel(Protocol):
    """What the pipeline needs of :class:`~assistant.recognizer.Recognizer`."""

    info: ModelInfo

    def log_probs(self, audio: np.ndarray) -> np.ndarray:
        """(T, V) float32 log-probabilities of 16 kHz mono float32 audio."""
        ...


@dataclass(frozen=True)
class UnderstandOptions:
    """How an utterance is turned into a command."""

    sensitivity: str = DEFAULT_SENSITIVITY
    """How readily commands are accepted: strict, normal or loose (points of the confidence
    calibration's trade-off curve, see :mod:`assistant.commands.confidence`)."""
    threshold: float | None = None
    """Commands with a confidence below this (0..1) are rejected; None: the sensitivity's."""
    min_speech_ms: int = 150
    """Shorter utterances (the pre-roll not counted) are rejected without decoding, in ms."""
    beam: BeamConfig = field(default_factory=BeamConfig)
    """The grammar-constrained search."""
    words: WordsConfig | None = field(default_factory=WordsConfig)
    """An accepted command's free text is read as common words where that fits; None keeps
    the spelling heard."""

    def threshold_of(self, calibration: Calibration) -> float:
        """The confidence below which commands are rejected, under ``calibration``."""
        if self.threshold is not None:
            return self.threshold
        return calibration.threshold(self.sensitivity)


@dataclass(frozen=True)
class TranscribeOptions:
    """How audio is turned into text."""

    words: CharGraph | None = None
    """Only the sentences of this automaton (``lexicon_graph`` of a word list); None: any
    spelling."""
    common_words: WordsConfig | None = None
    """Read the greedy text as common words where the model finds that nearly as likely and
    the words are likelier English (see :mod:`assistant.decoding.words`); not with
    :attr:`words`."""


@dataclass(frozen=True)
class StageTimings:
    """Where the time of one utterance went, in milliseconds."""

    acoustic_ms: float = 0.0
    """Features and acoustic model."""
    decode_ms: float = 0.0
    """Decoding: greedy, grammar-constrained search and confidence."""

    @property
    def total_ms(self) -> float:
        """Both stages."""
        return self.acoustic_ms + self.decode_ms


@dataclass(frozen=True)
class Understanding:
    """What one utterance was heard as and what it meant."""

    heard: str
    """The free (greedy) transcript; empty when the audio was not decoded."""
    result: RecognitionResult
    """The command recognised, or a rejection (intent None)."""
    timings: StageTimings
    """Time spent on it."""
    options: UnderstandOptions
    """The options it was understood with."""
    speech: bool = True
    """False when the audio was too short or held no speech (and was not decoded)."""


@dataclass(frozen=True)
class Transcription:
    """Text recognised in one stretch of audio."""

    text: str
    """Decoded words, lower case, single spaces; empty without speech."""
    duration_s: float
    """Length of the audio in seconds."""
    timings: StageTimings
    """Time spent on it."""
    options: TranscribeOptions
    """The options it was transcribed with."""
    speech: bool = True
    """False when the audio held no speech (and was not decoded)."""


REJECTED = RecognitionResult(None, {}, 0.0, "")
"""The result of an utterance that was not decoded."""


def understand(
    audio: np.ndarray,
    model: AcousticModel,
    commands: CommandSet,
    options: UnderstandOptions = UnderstandOptions(),
    *,
    calibration: Calibration | None = None,
    preroll: int = 0,
) -> Understanding:
    """The command spoken in mono float ``audio`` at the model's sample rate.

    ``calibration`` (default: the bundled model's) turns the evidence into a confidence; the
    first ``preroll`` samples are audio from before the utterance began, which the minimum
    length does not count. Raises ModelError when inference fails.
    """
    speech_samples = audio.size - preroll
    too_short = speech_samples * 1000 < options.min_speech_ms * model.info.sample_rate
    if too_short or not has_speech(audio):
        return Understanding("", REJECTED, StageTimings(), options, speech=False)
    calibration = calibration or bundled_calibration()
    start = time.perf_counter()
    log_probs = model.log_probs(audio)
    mid = time.perf_counter()
    free = unconstrained_decode(log_probs)
    result = recognize(
        log_probs,
        commands,
        options.threshold_of(calibration),
        beam=options.beam,
        calibration=calibration,
        words=options.words,
        free=free,
    )
    timings = StageTimings((mid - start) * 1000, (time.perf_counter() - mid) * 1000)
    return Understanding(free.text, result, timings, options)


def transcribe(
    audio: np.ndarray, model: AcousticModel, options: TranscribeOptions = TranscribeOptions()
) -> Transcription:
    """The text spoken in mono float ``audio`` at the model's sample rate; raises ModelError
    when inference fails."""
    duration_s = audio.size / model.info.sample_rate
    if not has_speech(audio):
        return Transcription("", duration_s, StageTimings(), options, speech=False)
    start = time.perf_counter()
    log_probs = model.log_probs(audio)
    mid = time.perf_counter()
    if options.words is not None:
        found = constrained_decode(log_probs, options.words, BeamConfig(nbest=1))
        text = found[0].text if found else ""
    else:
        text = unconstrained_decode(log_probs).text
        if options.common_words is not None and text:
            text = read_as_words(log_probs, text, options.common_words)
    timings = StageTimings((mid - start) * 1000, (time.perf_counter() - mid) * 1000)
    return Transcription(text, duration_s, timings, options)
