"""The numpy windowed-sinc resampler: frequency kept, length, anti-aliasing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.audio.resample import resample


def tone(freq: float, rate: int, seconds: float = 0.5) -> np.ndarray:
    """A unit-amplitude sine of ``freq`` Hz sampled at ``rate`` Hz, float32."""
    t = np.arange(int(rate * seconds)) / rate
    return np.sin(2 * np.pi * freq * t).astype(np.float32)


def peak_frequency(audio: np.ndarray, rate: int) -> float:
    """Frequency in Hz of the strongest FFT bin (Hann-windowed)."""
    spectrum = np.abs(np.fft.rfft(audio * np.hanning(audio.size)))
    return float(np.fft.rfftfreq(audio.size, 1.0 / rate)[spectrum.argmax()])


def rms(audio: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.asarray(audio, np.float64) ** 2)))


@pytest.mark.parametrize(
    ("orig", "new", "freq"),
    [(44100, 16000, 1000.0), (8000, 16000, 440.0), (48000, 16000, 3000.0), (22050, 16000, 700.0)],
)
def test_sine_keeps_its_frequency_and_amplitude(orig: int, new: int, freq: float) -> None:
    out = resample(tone(freq, orig), orig, new)
    assert out.dtype == np.float32
    assert peak_frequency(out, new) == pytest.approx(freq, abs=2 * new / out.size)
    middle = out[out.size // 4 : 3 * out.size // 4]  # edges see the zero padding
    assert rms(middle) == pytest.approx(1 / math.sqrt(2), rel=0.02)


@pytest.mark.parametrize(
    ("n", "orig", "new"),
    [
        (1000, 44100, 16000),
        (7, 8000, 16000),
        (1, 48000, 16000),
        (22050, 22050, 16000),
        (333, 16000, 48000),
    ],
)
def test_length_is_ceil_of_scaled_length(n: int, orig: int, new: int) -> None:
    audio = np.random.default_rng(n).uniform(-1, 1, n).astype(np.float32)
    assert resample(audio, orig, new).size == math.ceil(n * new / orig)


def test_tone_above_new_nyquist_is_attenuated_40_db() -> None:
    passed = resample(tone(1000.0, 48000), 48000, 16000)
    aliased = resample(tone(11000.0, 48000), 48000, 16000)  # above 8 kHz: must not fold to 5 kHz
    mid = slice(passed.size // 4, 3 * passed.size // 4)
    attenuation_db = 20 * math.log10(rms(passed[mid]) / rms(aliased[mid]))
    assert attenuation_db > 40.0


def test_same_rate_and_empty_input_are_copies() -> None:
    audio = tone(500.0, 16000, 0.01)
    same = resample(audio, 16000, 16000)
    np.testing.assert_array_equal(same, audio)
    assert same is not audio
    assert resample(np.zeros(0, np.float32), 44100, 16000).size == 0


def test_non_positive_rate_raises() -> None:
    with pytest.raises(ValueError, match="positive"):
        resample(np.zeros(10, np.float32), 0, 16000)


@pytest.mark.parametrize(("orig", "new"), [(48000, 16000), (44100, 16000), (8000, 16000)])
def test_stream_resampler_equals_whole_signal_resampling(orig: int, new: int) -> None:
    from assistant.audio.resample import StreamResampler

    rng = np.random.default_rng(3)
    audio = rng.standard_normal(orig // 4 + 17).astype(np.float32)
    stream = StreamResampler(orig, new)
    pieces, start = [], 0
    while start < audio.size:
        size = int(rng.integers(1, 700))
        pieces.append(stream.process(audio[start : start + size]))
        start += size
    pieces.append(stream.flush())
    np.testing.assert_allclose(np.concatenate(pieces), resample(audio, orig, new), atol=1e-6)
