"""Push-to-talk engine: audio source -> acoustic model -> command grammar -> skills.

No Qt here: the GUI's worker thread drives an :class:`Engine` by calling :meth:`Engine.pump`
from a timer (one block per call), :meth:`Engine.begin_utterance` when the button goes down and
:meth:`Engine.end_utterance` when it comes up. Hardware is injected: the engine takes any
:class:`~assistant.audio.sources.AudioSource`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from assistant.audio.endpoint import (
    MAX_UTTERANCE_MS,
    EndpointConfig,
    EndpointDetector,
    EndpointEvent,
)
from assistant.audio.sources import PREROLL_MS, AudioSource, PreRoll, rms_dbfs
from assistant.commands.confidence import Calibration
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult, bundled_calibration
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import common_words_graph
from assistant.errors import AssistantError
from assistant.pipeline import AcousticModel, UnderstandOptions, understand
from assistant.skills.dispatch import NOT_CAUGHT

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineConfig:
    """How the engine listens and decides."""

    understanding: UnderstandOptions = field(default_factory=UnderstandOptions)
    """How an utterance becomes a command: sensitivity or threshold, the shortest utterance
    decoded, the search (see :func:`assistant.pipeline.understand`)."""
    partial_interval_ms: int = 300
    """Audio in milliseconds between two partial transcripts while listening."""
    max_utterance_ms: int = MAX_UTTERANCE_MS
    """An utterance is ended after this long, in milliseconds (hands-free too: it overrides
    ``endpoint.max_utterance_ms``)."""
    preroll_ms: int = PREROLL_MS
    """Audio from before the utterance starts that it includes, in milliseconds."""
    hands_free: bool = False
    """Start and end utterances by voice activity instead of push-to-talk."""
    endpoint: EndpointConfig = field(default_factory=EndpointConfig)
    """Voice-activity thresholds for hands-free mode."""


class ReplyLike(Protocol):
    """A skill's answer (``assistant.skills.dispatch.Reply`` or a test double)."""

    @property
    def text(self) -> str:
        """What the assistant answers."""
        ...

    @property
    def speak(self) -> bool:
        """Whether to say it aloud."""
        ...


class SkillHandler(Protocol):
    """Acts on a recognised command (``assistant.skills.Skills`` or a test double)."""

    def handle(self, result: RecognitionResult) -> ReplyLike:
        """Do what ``result`` asks and say what was done."""
        ...


@dataclass(frozen=True)
class Timings:
    """Where the time of one utterance went, in milliseconds."""

    audio_ms: float
    """Length of the utterance's audio, pre-roll included."""
    acoustic_ms: float
    """Features and acoustic model."""
    intent_ms: float
    """Decoding: greedy, grammar-constrained search and confidence."""
    to_intent_ms: float
    """From the end of the utterance (button released) to the intent."""
    reply_ms: float
    """The skill acting on the intent."""
    total_ms: float
    """From the end of the utterance to the reply."""


@dataclass(frozen=True)
class Turn:
    """One exchange: what was heard, what it meant and what the assistant answered."""

    heard: str
    """Free (unconstrained) transcript of the utterance."""
    result: RecognitionResult
    """The command recognised, or a rejection (intent None)."""
    reply: str
    """The assistant's answer, or :data:`~assistant.skills.dispatch.NOT_CAUGHT`."""
    speak: bool
    """Whether the reply should be spoken (when spoken replies are on)."""
    timings: Timings
    """Timings of this turn."""
    finished_at: float = field(default_factory=time.time)
    """Wall-clock time (Unix seconds) the reply was ready."""


@dataclass(frozen=True)
class Update:
    """What one :meth:`Engine.pump` call produced."""

    level_dbfs: float
    """Input level of the block read, in dBFS."""
    partial: str | None = None
    """A fresh partial transcript, when one was due."""
    started: bool = False
    """Hands-free: an utterance began in this block."""
    turn: Turn | None = None
    """An utterance ended in this block (hands-free, or the length limit) and its turn."""


class Engine:
    """Owns the source's pre-roll and the growing utterance; recognises and asks the skills."""

    def __init__(
        self,
        source: AudioSource,
        model: AcousticModel,
        commands: CommandSet,
        skills: SkillHandler | None = None,
        config: EngineConfig = EngineConfig(),
        calibration: Calibration | None = None,
    ) -> None:
        """An engine over ``source`` that recognises ``commands`` and hands them to ``skills``;
        ``calibration`` is the model's confidence calibration (default: the bundled model's)."""
        self.source = source
        self.calibration = calibration or bundled_calibration()
        self.options = config.understanding
        """How utterances are understood (see :func:`assistant.pipeline.understand`)."""
        self.threshold = self.options.threshold_of(self.calibration)
        """Commands with a confidence below this are rejected."""
        self.model = model
        self.commands = commands
        self.skills = skills
        self.config = config
        self.sample_rate = model.info.sample_rate
        self._preroll = PreRoll(config.preroll_ms, self.sample_rate)
        endpoint = dataclasses.replace(config.endpoint, max_utterance_ms=config.max_utterance_ms)
        self._endpoint = EndpointDetector(endpoint, self.sample_rate)
        self._blocks: list[np.ndarray] = []
        self._samples = 0
        self._preroll_samples = 0
        self._next_partial = 0
        self.listening = False
        """Whether an utterance is being recorded."""
        self.muted = False
        """Ignore the input while not listening: set while the assistant speaks, so that its
        own voice neither fills the pre-roll nor starts a hands-free utterance."""

    def reload(self, commands: CommandSet) -> None:
        """Recognise ``commands`` from the next utterance on."""
        self.commands = commands

    def warm_up(self) -> None:
        """Build now, once per process, what the first utterance of some kind would otherwise
        wait for (the common-words automaton that reads free text such as a note)."""
        common_words_graph()

    def start(self) -> None:
        """Start the source; raises AudioError when it cannot."""
        self._preroll.reset()
        self._endpoint.reset()
        self.source.start()

    def stop(self) -> None:
        """Stop the source and drop any utterance in progress."""
        self.listening = False
        self._blocks.clear()
        self.source.stop()

    def pump(self, timeout: float | None) -> Update | None:
        """Read and process one block (None if none came in ``timeout`` s); raises AudioError."""
        block = self.source.read(timeout)
        if block is None:
            return None
        level = rms_dbfs(block)
        if not self.listening and self.muted:
            self._preroll.reset()
            return Update(level)
        if not self.listening:
            self._preroll.append(block)
            hands_free = self.config.hands_free
            if hands_free and self._endpoint.update(block) is EndpointEvent.SPEECH_START:
                self.begin_utterance()
                return Update(level, started=True)
            return Update(level)
        self._append(block)
        ended = self._samples * 1000 >= self.config.max_utterance_ms * self.sample_rate
        if self.config.hands_free:
            ended |= self._endpoint.update(block) is EndpointEvent.SPEECH_END
        if ended:
            return Update(level, turn=self.end_utterance(drain=False))
        if self._samples >= self._next_partial:
            self._next_partial = self._samples + self._interval_samples()
            return Update(level, partial=self.partial())
        return Update(level)

    def _interval_samples(self) -> int:
        return self.config.partial_interval_ms * self.sample_rate // 1000

    def _append(self, block: np.ndarray) -> None:
        self._blocks.append(block)
        self._samples += block.size

    def begin_utterance(self, *, preroll: bool = True) -> None:
        """Start recording an utterance, beginning with the pre-roll unless ``preroll`` is
        False (it may hold the assistant's own voice)."""
        kept = self._preroll.take()
        if not preroll:
            kept = kept[:0]
        self._blocks = [kept] if kept.size else []
        self._samples = self._preroll_samples = kept.size
        self._next_partial = self._samples + self._interval_samples()
        self.listening = True
        _LOGGER.debug("utterance begins with %d samples of pre-roll", kept.size)

    @property
    def preroll_samples(self) -> int:
        """Samples of pre-roll at the start of the utterance being recorded."""
        return self._preroll_samples

    def audio(self) -> np.ndarray:
        """The utterance so far: 16 kHz mono float32."""
        return np.concatenate(self._blocks) if self._blocks else np.zeros(0, np.float32)

    def partial(self) -> str:
        """Greedy transcript of the utterance so far (re-decodes the whole buffer)."""
        audio = self.audio()
        if audio.size < self.options.min_speech_ms * self.sample_rate // 1000:
            return ""
        info = self.model.info
        return greedy_decode(self.model.log_probs(audio), info.blank_id, info.vocabulary)

    def cancel_utterance(self) -> None:
        """Drop the utterance in progress without recognising it."""
        self.listening = False
        self._blocks = []
        self._samples = 0
        self._endpoint.reset()

    def end_utterance(self, *, drain: bool = True) -> Turn:
        """Stop recording; recognise the utterance, ask the skills and return the turn.

        With ``drain``, blocks already captured (queued before the button came up) are added
        first. Raises AudioError (lost source) or ModelError (inference failed).
        """
        ended = time.perf_counter()
        if drain:
            while (block := self.source.read(0)) is not None:
                self._append(block)
        audio = self.audio()
        preroll = self._preroll_samples
        self.cancel_utterance()
        understood = understand(
            audio,
            self.model,
            self.commands,
            self.options,
            calibration=self.calibration,
            preroll=preroll,
        )
        heard, result = understood.heard, understood.result
        to_intent = time.perf_counter()
        reply, speak = self._reply(result)
        done = time.perf_counter()
        timings = Timings(
            audio_ms=audio.size * 1000 / self.sample_rate,
            acoustic_ms=understood.timings.acoustic_ms,
            intent_ms=understood.timings.decode_ms,
            to_intent_ms=(to_intent - ended) * 1000,
            reply_ms=(done - to_intent) * 1000,
            total_ms=(done - ended) * 1000,
        )
        _LOGGER.info(
            "heard %r -> %s (%.2f) in %.0f ms: %r",
            heard,
            result.intent,
            result.confidence,
            timings.to_intent_ms,
            reply,
        )
        return Turn(heard, result, reply, speak, timings)

    def _reply(self, result: RecognitionResult) -> tuple[str, bool]:
        if self.skills is None:
            text = NOT_CAUGHT if result.intent is None else f"Understood: {result.intent}."
            return text, True
        try:
            reply = self.skills.handle(result)
        except AssistantError as e:  # a skill that could not do it says why; bugs propagate
            _LOGGER.warning("skill for %s failed: %s", result.intent, e, exc_info=True)
            return f"Sorry, that did not work: {e}", True
        return reply.text, reply.speak
