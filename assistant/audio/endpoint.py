"""Energy-based voice-activity endpointing for hands-free mode.

Frames louder than the tracked noise floor by ``margin_db`` (and above an absolute floor) count
as speech. An utterance starts after ``min_speech_ms`` of speech and ends after ``silence_ms``
of non-speech following it, or when it reaches ``max_utterance_ms``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np

from assistant.audio.sources import rms_dbfs
from assistant.features import SAMPLE_RATE

MAX_UTTERANCE_MS = 15_000
"""Longest utterance, push-to-talk or hands-free, in milliseconds: then it is ended."""


@dataclass(frozen=True)
class EndpointConfig:
    """Thresholds and durations of the endpoint detector."""

    frame_ms: int = 10
    """Analysis frame in milliseconds."""
    margin_db: float = 12.0
    """dB above the noise floor for a frame to count as speech."""
    min_level_dbfs: float = -50.0
    """dBFS: quieter frames are never speech, whatever the noise floor."""
    min_speech_ms: int = 100
    """Speech needed before an utterance starts, in milliseconds."""
    presence_margin_db: float = 6.0
    """dB above a whole recording's 10th-percentile frame level for :func:`has_speech`. Lower
    than ``margin_db``: in a recording trimmed tight around a word, that quietest tenth is
    itself speech. On the first 300 FSDD test clips 9 dB found no speech in 43 (a quiet
    speaker's digits), 6 dB in 9; room tone and noise were taken for speech as often."""
    trim_margin_db: float = 9.0
    """dB above the recording's 10th-percentile frame level for a frame to count as speech in
    :func:`trim_pauses` (stricter than ``presence_margin_db``: it decides what to cut)."""
    pause_keep_ms: int = 400
    """Quiet kept before the first and after the last speech by :func:`trim_pauses`, in ms."""
    speech_run_ms: int = 50
    """Shortest run of speech-like frames that :func:`trim_pauses` takes for speech (a key
    click is shorter), in milliseconds."""
    silence_ms: int = 700
    """Non-speech after speech that ends the utterance, in milliseconds."""
    max_utterance_ms: int = MAX_UTTERANCE_MS
    """An utterance is ended after this long, in milliseconds."""
    noise_adapt: float = 0.05
    """Per-frame weight of a non-speech frame in the noise-floor estimate (0..1)."""
    initial_noise_dbfs: float = -70.0
    """Noise floor assumed before any audio, in dBFS."""
    warmup_ms: int = 300
    """Audio at the start that only measures the noise floor (never speech), in ms."""


class EndpointEvent(enum.Enum):
    """What a block of audio changed."""

    NONE = "none"
    """Nothing: still silent, or still speaking."""
    SPEECH_START = "speech_start"
    """An utterance began in this block."""
    SPEECH_END = "speech_end"
    """The utterance ended in this block (silence after speech, or the length limit)."""


class EndpointDetector:
    """Feed 16 kHz float32 blocks to :meth:`update`; :meth:`reset` before the next utterance."""

    def __init__(
        self, config: EndpointConfig = EndpointConfig(), sample_rate: int = SAMPLE_RATE
    ) -> None:
        """Detector for ``sample_rate`` Hz audio with ``config``'s thresholds."""
        self.config = config
        self.frame = sample_rate * config.frame_ms // 1000
        if self.frame < 1:
            raise ValueError(f"frame_ms {config.frame_ms} is under one sample at {sample_rate} Hz")
        self.noise_dbfs = config.initial_noise_dbfs
        """Current noise-floor estimate in dBFS (kept across :meth:`reset`)."""
        self._warmup_frames = config.warmup_ms // config.frame_ms
        self._frames_seen = 0
        self.reset()

    def reset(self) -> None:
        """Forget the current utterance (the noise floor is kept)."""
        self._pending = np.zeros(0, dtype=np.float32)
        self.in_speech = False
        """Whether an utterance has started and not ended."""
        self._speech_ms = 0
        self._silence_ms = 0
        self._utterance_ms = 0

    def is_speech(self, level_dbfs: float) -> bool:
        """Whether a frame at ``level_dbfs`` counts as speech given the noise floor."""
        threshold = max(self.config.min_level_dbfs, self.noise_dbfs + self.config.margin_db)
        return level_dbfs >= threshold

    def update(self, block: np.ndarray) -> EndpointEvent:
        """Process a block; reports the first start or end it contains."""
        samples = np.concatenate([self._pending, np.asarray(block, dtype=np.float32)])
        n = samples.size // self.frame
        self._pending = samples[n * self.frame :]
        event = EndpointEvent.NONE
        for frame in samples[: n * self.frame].reshape(n, self.frame):
            found = self._frame(rms_dbfs(frame))
            if event is EndpointEvent.NONE:
                event = found
        return event

    def _frame(self, level: float) -> EndpointEvent:
        config = self.config
        if self._frames_seen < self._warmup_frames:
            # The floor is the running mean level of the first frames (the room before speech).
            self._frames_seen += 1
            self.noise_dbfs += (level - self.noise_dbfs) / self._frames_seen
            return EndpointEvent.NONE
        speech = self.is_speech(level)
        if not speech:
            # Track the floor on non-speech only, so a long utterance does not raise it.
            self.noise_dbfs += config.noise_adapt * (level - self.noise_dbfs)
        if not self.in_speech:
            self._speech_ms = self._speech_ms + config.frame_ms if speech else 0
            if self._speech_ms >= config.min_speech_ms:
                self.in_speech = True
                self._silence_ms = 0
                self._utterance_ms = self._speech_ms
                return EndpointEvent.SPEECH_START
            return EndpointEvent.NONE
        self._utterance_ms += config.frame_ms
        self._silence_ms = 0 if speech else self._silence_ms + config.frame_ms
        if self._silence_ms >= config.silence_ms or self._utterance_ms >= config.max_utterance_ms:
            self.in_speech = False
            self._speech_ms = 0
            return EndpointEvent.SPEECH_END
        return EndpointEvent.NONE


def _loud_frames(audio: np.ndarray, config: EndpointConfig, margin_db: float) -> np.ndarray:
    """Per ``frame_ms`` frame: ``margin_db`` above the recording's own floor (its 10th
    percentile frame level) and above ``min_level_dbfs``."""
    frame = SAMPLE_RATE * config.frame_ms // 1000
    count = audio.size // frame
    if count == 0:
        return np.zeros(0, dtype=bool)
    frames = np.asarray(audio[: count * frame], dtype=np.float64).reshape(count, frame)
    power = np.mean(np.square(frames), axis=1)
    levels = 10.0 * np.log10(np.maximum(power, 1e-10))
    floor = float(np.percentile(levels, 10))
    return np.asarray(levels >= max(config.min_level_dbfs, floor + margin_db))


def has_speech(audio: np.ndarray, config: EndpointConfig = EndpointConfig()) -> bool:
    """Whether 16 kHz float ``audio`` holds at least ``min_speech_ms`` of speech-like frames.

    A frame counts when it is ``presence_margin_db`` above the recording's own floor (its 10th
    percentile frame level) and above ``min_level_dbfs``: silence, hiss and steady hum fail,
    so they are rejected before the acoustic model can be forced onto a command.
    """
    loud = _loud_frames(audio, config, config.presence_margin_db)
    return int(loud.sum()) * config.frame_ms >= config.min_speech_ms


def trim_pauses(audio: np.ndarray, config: EndpointConfig = EndpointConfig()) -> np.ndarray:
    """16 kHz float ``audio`` without the quiet beyond ``pause_keep_ms`` before its first and
    after its last run of speech (``speech_run_ms`` of frames ``trim_margin_db`` above the
    recording's floor); ``audio`` itself when it holds no such run.

    A push-to-talk recording starts when the key goes down and ends when it comes up, so it
    often holds seconds of room tone around a short command. The model normalises each
    utterance as a whole and was trained on short pauses; long ones make it misread the
    speech (AN4 CER 12 -> 38 % with 1.5 s of room tone each side) or hear words in the hiss.
    """
    loud = _loud_frames(audio, config, config.trim_margin_db)
    run = max(1, config.speech_run_ms // config.frame_ms)
    # a frame that ends a full run of loud frames: the run covers it and the run - 1 before it
    counts = np.convolve(loud.astype(np.int64), np.ones(run, dtype=np.int64))[: loud.size]
    ends = np.flatnonzero(counts >= run)
    if ends.size == 0:
        return audio
    frame = SAMPLE_RATE * config.frame_ms // 1000
    keep = SAMPLE_RATE * config.pause_keep_ms // 1000
    start = max(0, (int(ends[0]) - run + 1) * frame - keep)
    stop = min(audio.size, (int(ends[-1]) + 1) * frame + keep)
    return audio if (start, stop) == (0, audio.size) else audio[start:stop]
