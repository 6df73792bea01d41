"""Bad and unusual audio through load_audio, the recogniser and the CLI.

Bit depths, rates, stereo, empty, truncated and corrupt files are covered for ``load_audio``
in tests/assistant/test_audio_files.py; this adds the CLI view of all of them at once, the
one-hour file (refused from its header alone), silence and clipping.
"""

from __future__ import annotations

import json
import struct
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.audio import files
from assistant.audio.files import MAX_SECONDS, load_audio
from assistant.cli import main
from assistant.errors import AudioError
from assistant.recognizer import Recognizer

ONE_HOUR_S = 3600

WavWriter = Callable[..., Path]
"""The ``write_wav`` fixture (tests/reliability/conftest.py)."""


def sparse_wav(path: Path, seconds: int, rate: int = 16000) -> Path:
    """A 16-bit mono WAV header for ``seconds`` of audio; the data is a sparse hole of zeros."""
    data_bytes = seconds * rate * 2
    header = b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", data_bytes)
    with path.open("wb") as handle:
        handle.write(header)
        handle.truncate(len(header) + data_bytes)  # no blocks written: costs no disk
    return path


def speechlike(seconds: float, rate: int = 16000) -> np.ndarray:
    """Two tones under a rising envelope, float64 in [-0.5, 0.5]."""
    t = np.arange(int(rate * seconds)) / rate
    return 0.25 * (np.sin(2 * np.pi * 300 * t) + np.sin(2 * np.pi * 1200 * t)) * t / t[-1]


def test_one_hour_file_is_refused_from_its_header_without_reading_samples(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sparse_wav(tmp_path / "hour.wav", ONE_HOUR_S)
    assert path.stat().st_size > 100_000_000

    def no_read(*args: object, **kwargs: object) -> None:
        raise AssertionError("sf.read was called on an over-long file")

    monkeypatch.setattr(files.sf, "read", no_read)
    tracemalloc.start()
    try:
        with pytest.raises(AudioError, match=r"hour\.wav: 3600 s is longer than the 600 s"):
            load_audio(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # bytes: the header only, not 115 MB of samples


def test_just_under_the_limit_is_read(tmp_path: Path) -> None:
    path = sparse_wav(tmp_path / "long.wav", 30)
    audio = load_audio(path, max_seconds=31)
    assert (audio.shape, audio.dtype, float(np.abs(audio).max())) == ((480_000,), np.float32, 0.0)
    assert MAX_SECONDS == 600.0


def test_cli_reports_the_hour_long_file_and_goes_on(
    tmp_path: Path, says_nothing: Path, write_wav: WavWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    hour = sparse_wav(tmp_path / "hour.wav", ONE_HOUR_S)
    good = write_wav("good.wav", speechlike(0.5))
    status = main(["transcribe", "--model", str(says_nothing), "--json", str(hour), str(good)])
    captured = capsys.readouterr()
    assert status == 1
    assert [json.loads(line)["path"] for line in captured.out.splitlines()] == [str(good)]
    assert captured.err == (
        f"assistant: skipping {hour}: {hour}: 3600 s is longer than the 600 s this command "
        "accepts; cut it into shorter files\n"
    )


def test_cli_reads_every_format_and_skips_every_broken_file(
    tmp_path: Path, says_nothing: Path, write_wav: WavWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    good = [
        write_wav("u8.wav", speechlike(0.3), subtype="PCM_U8"),
        write_wav("s24.wav", speechlike(0.3), subtype="PCM_24"),
        write_wav("float.wav", speechlike(0.3), subtype="FLOAT"),
        write_wav("stereo.wav", np.stack([speechlike(0.3), -speechlike(0.3)], axis=1)),
        write_wav("8k.wav", speechlike(0.3, 8000), rate=8000),
        write_wav("44k.wav", speechlike(0.3, 44100), rate=44100),
        write_wav("48k.flac", speechlike(0.3, 48000), rate=48000, subtype="PCM_16"),
    ]
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    truncated = tmp_path / "truncated.wav"
    truncated.write_bytes(good[0].read_bytes()[:30])
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(np.random.default_rng(0).bytes(4000))
    no_samples = write_wav("no_samples.wav", np.zeros(0))
    bad = [empty, truncated, corrupt, no_samples]
    paths = [good[0], *bad, *good[1:]]
    status = main(["transcribe", "--model", str(says_nothing), "--json", *map(str, paths)])
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert status == 1
    assert [(r["path"], r["text"], r["duration_s"]) for r in records] == [
        (str(p), "", 0.3) for p in good
    ]
    skipped = [line.split(": ")[1] for line in captured.err.splitlines()]
    assert skipped == [f"skipping {p}" for p in bad]
    assert "holds no audio samples" in captured.err.splitlines()[3]


def test_silence_is_rejected_by_recognize(
    says_nothing: Path, write_wav: WavWriter, capsys: pytest.CaptureFixture[str]
) -> None:
    silent = write_wav("silence.wav", np.zeros(16000))
    assert main(["recognize", "--model", str(says_nothing), str(silent)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "path": str(silent),
        "intent": None,
        "slots": {},
        "confidence": 0.0,
        "text": "",
    }


@pytest.mark.parametrize("gain", [1.0, 4.0, 1000.0])
def test_clipped_and_over_range_audio_gives_finite_scores(
    model_path: Path, write_wav: WavWriter, gain: float
) -> None:
    # PCM clips at full scale; a float WAV can hold samples far beyond it.
    signal = gain * speechlike(0.5)
    clipped = load_audio(write_wav("clipped.wav", np.clip(signal, -1, 1)))
    over = load_audio(write_wav("over.wav", signal, subtype="FLOAT"))
    assert float(np.abs(clipped).max()) <= 1.0
    assert float(np.abs(over).max()) == pytest.approx(float(np.abs(signal).max()), rel=1e-6)
    recognizer = Recognizer(model_path)
    for audio in (clipped, over):
        log_probs = recognizer.log_probs(audio)
        assert log_probs.shape == (13, 29)
        assert np.all(np.isfinite(log_probs))
        np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, rtol=1e-4)
