"""Audio device trouble: overruns counted and reported, recovery after a restart.

Absent devices, a device removed mid-stream, a stalled stream and a full queue are covered in
tests/assistant/test_audio_sources.py (sounddevice faked the same way, reused here).
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf

from assistant.audio import sources
from assistant.audio.sources import MicrophoneSource, WavFileSource
from assistant.errors import AudioError
from tests.assistant.test_audio_sources import MIC, FakeStream, fake_sounddevice

BLOCK = np.zeros((1440, 1), np.float32)  # 30 ms at 48 kHz


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    sd = fake_sounddevice([MIC])
    monkeypatch.setattr(sources, "_import_sounddevice", lambda: sd)
    return sd


def test_portaudio_overflows_and_drops_are_counted_and_reported_on_stop(
    fake_sd: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    source = MicrophoneSource(queue_seconds=0.09)  # room for 3 blocks
    source.start()
    stream = FakeStream.instances[-1]
    overflow = SimpleNamespace(input_overflow=True)  # truthy, like sounddevice.CallbackFlags
    for status in (None, overflow, None, overflow, None):
        stream.callback(BLOCK, 1440, None, status)
    assert source.dropped_blocks == 2
    delivered = [source.read(timeout=0.1) for _ in range(3)]
    assert [b is not None for b in delivered] == [True, True, True]
    with caplog.at_level(logging.WARNING, logger="assistant.audio.sources"):
        source.stop()
    assert [r.getMessage() for r in caplog.records] == [
        "USB mic: 2 blocks dropped (reader behind), 2 PortAudio over/underruns"
    ]


def test_restart_after_an_overflow_discards_stale_audio_and_delivers_fresh(
    fake_sd: SimpleNamespace,
) -> None:
    source = MicrophoneSource(queue_seconds=0.09)
    source.start()
    first = FakeStream.instances[-1]
    for _ in range(5):
        first.callback(np.full((1440, 1), 0.5, np.float32), 1440, None, None)
    source.stop()
    source.start()
    second = FakeStream.instances[-1]
    assert second is not first and first.closed
    assert source.read(timeout=0.05) is None  # nothing left over from before the restart
    for _ in range(3):
        second.callback(np.full((1440, 1), -0.25, np.float32), 1440, None, None)
    fresh = np.concatenate([source.read(timeout=0.1) for _ in range(3)])
    assert fresh[200:-200] == pytest.approx(-0.25, abs=1e-3)
    assert source.running and source.dropped_blocks == 2  # counted over the source's life


def test_a_slow_reader_of_a_fast_file_counts_dropped_blocks(tmp_path: Path) -> None:
    path = tmp_path / "one_second.wav"
    sf.write(str(path), np.zeros(16000), 16000)
    source = WavFileSource(path, speed=1000.0, then="end", queue_seconds=0.15)  # 5 blocks
    source.start()
    source._finished.wait(timeout=5.0)  # the feeder has put (or dropped) the whole file
    got = 0
    with pytest.raises(AudioError, match="ended unexpectedly"):  # then="end": the file is over
        for _ in range(100):
            got += source.read(timeout=0.05) is not None
    source.stop()
    assert (got, source.dropped_blocks) == (5, 34 - 5)  # 34 blocks of 30 ms in one second
