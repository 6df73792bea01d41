"""Log-mel features in numpy: the one front end used by training and by the runtime.

The filterbank follows ``torchaudio.functional.melscale_fbanks`` (HTK mel scale, no area
normalisation) and the framing follows ``torch.stft(center=True)`` with a periodic Hann window;
``tests/models/test_features_agree.py`` checks both against torchaudio.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

SAMPLE_RATE = 16000  # Hz, the only rate the model sees


@dataclass(frozen=True)
class FeatureConfig:
    """Parameters of the log-mel front end."""

    sample_rate: int = SAMPLE_RATE
    """Audio sample rate in Hz."""
    n_fft: int = 400
    """FFT size and window length in samples (25 ms)."""
    hop_length: int = 160
    """Frame step in samples (10 ms)."""
    n_mels: int = 80
    """Number of mel bands."""
    f_min: float = 20.0
    """Lowest filter edge in Hz."""
    f_max: float = 8000.0
    """Highest filter edge in Hz."""
    log_floor: float = 1e-6
    """Added to mel power before the log, so silence stays finite."""
    normalize: bool = True
    """Subtract each band's mean and divide by its deviation over the utterance (gain and
    microphone colour then matter less)."""

    def to_dict(self) -> dict[str, object]:
        """Plain dict, for checkpoints and ONNX metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> FeatureConfig:
        """Rebuild from :meth:`to_dict` output (strings from metadata are converted)."""
        kwargs: dict[str, object] = {}
        for name, field in cls.__dataclass_fields__.items():
            if name not in values:
                continue
            value = values[name]
            if field.type in ("int", int):
                kwargs[name] = int(value)  # type: ignore[call-overload]
            elif field.type in ("float", float):
                kwargs[name] = float(value)  # type: ignore[arg-type]
            elif field.type in ("bool", bool):
                kwargs[name] = value if isinstance(value, bool) else str(value) == "True"
        return cls(**kwargs)  # type: ignore[arg-type]

    @property
    def frames_per_second(self) -> float:
        """Feature frames per second of audio."""
        return self.sample_rate / self.hop_length


def _hz_to_mel(freq: np.ndarray) -> np.ndarray:
    return 2595.0 * np.log10(1.0 + freq / 700.0)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


@lru_cache(maxsize=8)
def mel_filterbank(config: FeatureConfig) -> np.ndarray:
    """Triangular mel filters, shape (n_fft // 2 + 1, n_mels), float32."""
    n_freqs = config.n_fft // 2 + 1
    all_freqs = np.linspace(0.0, config.sample_rate // 2, n_freqs)
    mel_points = np.linspace(
        _hz_to_mel(np.array(config.f_min)), _hz_to_mel(np.array(config.f_max)), config.n_mels + 2
    )
    freq_points = _mel_to_hz(mel_points)
    freq_diff = np.diff(freq_points)
    slopes = freq_points[None, :] - all_freqs[:, None]
    down = -slopes[:, :-2] / freq_diff[:-1]
    up = slopes[:, 2:] / freq_diff[1:]
    return np.maximum(0.0, np.minimum(down, up)).astype(np.float32)


@lru_cache(maxsize=8)
def _window(n_fft: int) -> np.ndarray:
    # periodic Hann, as torch.hann_window(n_fft) gives
    return (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)


def num_frames(num_samples: int, config: FeatureConfig = FeatureConfig()) -> int:
    """Frames that :func:`log_mel` returns for ``num_samples`` of audio."""
    return 1 + num_samples // config.hop_length


def mel_power(
    audio: np.ndarray,
    config: FeatureConfig = FeatureConfig(),
    filterbank: np.ndarray | None = None,
) -> np.ndarray:
    """Mel power spectrogram of mono float audio, shape (frames, n_mels), float32.

    ``filterbank`` replaces :func:`mel_filterbank` (training warps it to imitate other voices).
    """
    if audio.ndim != 1:
        raise ValueError(f"expected mono audio of shape (samples,), got {audio.shape}")
    if audio.size == 0:
        raise ValueError("audio is empty")
    half = config.n_fft // 2
    padded = np.pad(audio.astype(np.float32, copy=False), (half, half))
    frames = np.lib.stride_tricks.sliding_window_view(padded, config.n_fft)[:: config.hop_length]
    spectrum = np.fft.rfft(frames * _window(config.n_fft), axis=-1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    mel: np.ndarray = power @ (mel_filterbank(config) if filterbank is None else filterbank)
    return mel


def normalize_features(logmel: np.ndarray) -> np.ndarray:
    """Per-band mean and variance normalisation over time; shape kept."""
    mean = logmel.mean(axis=0, keepdims=True)
    std = logmel.std(axis=0, keepdims=True)
    return ((logmel - mean) / (std + 1e-5)).astype(np.float32)


def log_mel(
    audio: np.ndarray,
    config: FeatureConfig = FeatureConfig(),
    filterbank: np.ndarray | None = None,
) -> np.ndarray:
    """Model input features of 16 kHz mono float audio: (frames, n_mels) float32."""
    logmel = np.log(mel_power(audio, config, filterbank) + config.log_floor)
    return normalize_features(logmel) if config.normalize else logmel.astype(np.float32)
