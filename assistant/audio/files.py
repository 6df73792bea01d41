"""Reading audio files as 16 kHz mono float32, with clear errors for bad files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.resample import resample
from assistant.errors import AudioError
from assistant.features import SAMPLE_RATE

_LOGGER = logging.getLogger(__name__)

MAX_SECONDS = 600.0
"""Longest file accepted; longer input is refused rather than read whole into memory."""


def load_audio(
    path: str | Path, sample_rate: int = SAMPLE_RATE, max_seconds: float = MAX_SECONDS
) -> np.ndarray:
    """Read ``path`` (WAV, FLAC, Ogg Vorbis or Opus, MP3, ...) as mono float32 at
    ``sample_rate`` Hz.

    Stereo is mixed down, other rates are resampled. Raises :class:`AudioError` for a missing,
    corrupt, empty or over-long file, or a folder.
    """
    path = Path(path)
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file")
    if not path.is_file():
        raise AudioError(f"{path}: no such audio file")
    try:
        info = sf.info(str(path))
        if info.frames > 0 and info.frames / info.samplerate > max_seconds:
            raise AudioError(
                f"{path}: {info.frames / info.samplerate:.0f} s is longer than the "
                f"{max_seconds:.0f} s this command accepts; cut it into shorter files"
            )
        data, file_rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise AudioError(f"{path}: not a readable audio file ({e})") from e
    if data.shape[0] == 0:
        raise AudioError(f"{path}: the file holds no audio samples")
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    if not np.all(np.isfinite(mono)):
        raise AudioError(f"{path}: the audio holds NaN or infinite samples")
    if file_rate != sample_rate:
        _LOGGER.debug("resampling %s from %d Hz to %d Hz", path, file_rate, sample_rate)
        mono = resample(mono, file_rate, sample_rate)
    return np.ascontiguousarray(mono, dtype=np.float32)
