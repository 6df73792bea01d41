"""Reading audio files: formats, bit depths, channels, rates and bad input."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.audio.files import load_audio
from assistant.errors import AudioError


def tone(rate: int, seconds: float = 0.25, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    """A float64 sine of ``freq`` Hz at ``rate`` Hz."""
    t = np.arange(int(rate * seconds)) / rate
    return amp * np.sin(2 * np.pi * freq * t)


@pytest.mark.parametrize(
    ("subtype", "tolerance"),
    [("PCM_16", 1 / 2**15), ("PCM_24", 1 / 2**23), ("FLOAT", 1e-7), ("PCM_U8", 1 / 2**7)],
)
def test_wav_bit_depths_read_as_float32(tmp_path: Path, subtype: str, tolerance: float) -> None:
    path = tmp_path / f"{subtype}.wav"
    signal = tone(16000)
    sf.write(str(path), signal, 16000, subtype=subtype)
    audio = load_audio(path)
    assert audio.dtype == np.float32
    assert audio.shape == signal.shape
    np.testing.assert_allclose(audio, signal, atol=tolerance)


def test_flac(tmp_path: Path) -> None:
    path = tmp_path / "tone.flac"
    signal = tone(16000)
    sf.write(str(path), signal, 16000, subtype="PCM_16")
    np.testing.assert_allclose(load_audio(path), signal, atol=1 / 2**15)


def test_stereo_is_mixed_down_to_the_mean(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    frames = np.column_stack([np.full(1600, 0.5), np.full(1600, -0.1)])
    sf.write(str(path), frames, 16000, subtype="FLOAT")
    audio = load_audio(path)
    assert audio.shape == (1600,)
    np.testing.assert_allclose(audio, 0.2, atol=1e-6)


@pytest.mark.parametrize(("rate", "seconds"), [(8000, 0.5), (44100, 1.0), (48000, 0.1)])
def test_other_rates_are_resampled_to_16k(tmp_path: Path, rate: int, seconds: float) -> None:
    path = tmp_path / f"{rate}.wav"
    sf.write(str(path), tone(rate, seconds, freq=1000.0), rate, subtype="FLOAT")
    audio = load_audio(path)
    assert audio.shape == (round(16000 * seconds),)
    # The tone keeps its pitch and level: spectral peak at 1 kHz, RMS of the middle 0.5/sqrt(2).
    spectrum = np.abs(np.fft.rfft(audio))
    assert np.argmax(spectrum) * 16000 / audio.size == pytest.approx(1000.0, abs=16000 / audio.size)
    middle = audio[audio.size // 4 : 3 * audio.size // 4]
    assert np.sqrt(np.mean(middle**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.02)


def test_a_different_target_rate(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    sf.write(str(path), tone(16000, 0.5), 16000, subtype="FLOAT")
    assert load_audio(path, sample_rate=8000).shape == (4000,)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    with pytest.raises(AudioError, match=r"empty\.wav: not a readable audio file"):
        load_audio(path)


def test_wav_without_samples(tmp_path: Path) -> None:
    path = tmp_path / "silent.wav"
    sf.write(str(path), np.zeros(0), 16000, subtype="PCM_16")
    with pytest.raises(AudioError, match=r"silent\.wav: the file holds no audio samples"):
        load_audio(path)


def test_truncated_header(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, tone(16000), 16000, format="WAV", subtype="PCM_16")
    path = tmp_path / "cut.wav"
    path.write_bytes(buffer.getvalue()[:30])
    with pytest.raises(AudioError, match=r"cut\.wav: not a readable audio file"):
        load_audio(path)


def test_corrupt_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.flac"
    path.write_bytes(b"fLaC" + np.random.default_rng(0).bytes(2000))
    with pytest.raises(AudioError, match=r"noise\.flac: not a readable audio file"):
        load_audio(path)


def test_text_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.wav"
    path.write_text("turn on the lights\n" * 20)
    with pytest.raises(AudioError, match=r"notes\.wav: not a readable audio file"):
        load_audio(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match=r"absent\.wav: no such audio file"):
        load_audio(tmp_path / "absent.wav")


def test_nan_samples(tmp_path: Path) -> None:
    path = tmp_path / "nan.wav"
    sf.write(str(path), np.array([0.0, np.nan, 0.1]), 16000, subtype="FLOAT")
    with pytest.raises(AudioError, match="NaN or infinite"):
        load_audio(path)


def test_too_long(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    sf.write(str(path), tone(16000, 2.0), 16000, subtype="PCM_16")
    with pytest.raises(AudioError, match="2 s is longer than the 1 s"):
        load_audio(path, max_seconds=1.0)
