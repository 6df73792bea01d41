"""Live audio sources: the WAV-backed source and the microphone with sounddevice faked."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import pytest
import soundfile as sf

from assistant.audio import sources
from assistant.audio.resample import resample
from assistant.audio.sources import (
    MicrophoneSource,
    PreRoll,
    WavFileSource,
    list_input_devices,
    rms_dbfs,
)
from assistant.errors import AudioError, NoInputDeviceError


def test_rms_dbfs_of_full_scale_sine_and_silence() -> None:
    sine = np.sin(2 * np.pi * 440 * np.arange(16000) / 16000)
    assert rms_dbfs(sine) == pytest.approx(20 * math.log10(1 / math.sqrt(2)), abs=0.01)
    assert rms_dbfs(0.1 * sine) == pytest.approx(-23.01, abs=0.01)
    assert rms_dbfs(np.zeros(100)) == rms_dbfs(np.zeros(0)) == -100.0


def test_preroll_keeps_only_the_last_milliseconds() -> None:
    ring = PreRoll(milliseconds=100, sample_rate=1000)  # 100 samples
    for start in range(0, 250, 30):
        ring.append(np.arange(start, start + 30, dtype=np.float32))
    kept = ring.take()
    np.testing.assert_array_equal(kept, np.arange(170, 270, dtype=np.float32))
    assert ring.take().size == 0


def _tone_wav(path: Path, rate: int, seconds: float) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    audio = (0.5 * np.sin(2 * np.pi * 330 * t) * np.minimum(1, 4 * t)).astype(np.float32)
    sf.write(str(path), np.stack([audio, audio], axis=1), rate, subtype="FLOAT")
    return audio


def _read_all(source: WavFileSource) -> tuple[np.ndarray, AudioError]:
    blocks = []
    while True:
        try:
            block = source.read(timeout=1.0)
        except AudioError as e:
            return np.concatenate(blocks), e
        if block is not None:
            blocks.append(block)


def test_wav_source_delivers_the_file_resampled_then_ends_like_an_unplugged_device(
    tmp_path: Path,
) -> None:
    audio = _tone_wav(tmp_path / "tone.wav", 48000, 0.5)
    source = WavFileSource(tmp_path / "tone.wav", speed=25.0, then="end")
    source.start()
    captured, error = _read_all(source)
    assert "ended unexpectedly" in str(error)
    assert not source.running
    expected = resample(audio, 48000, 16000)
    assert source.sample_rate == 16000
    assert abs(captured.size - expected.size) < 40  # the resampler's tail is not flushed
    n = min(captured.size, expected.size)
    np.testing.assert_allclose(captured[:n], expected[:n], atol=1e-4)
    assert source.dropped_blocks == 0


def test_wav_source_restarts_after_stop_and_keeps_delivering_silence(tmp_path: Path) -> None:
    _tone_wav(tmp_path / "tone.wav", 16000, 0.1)
    source = WavFileSource(tmp_path / "tone.wav", speed=50.0)
    for _ in range(2):
        source.start()
        blocks = [source.read(timeout=1.0) for _ in range(8)]  # 0.24 s: past the file
        assert all(b is not None for b in blocks)
        assert rms_dbfs(blocks[-1]) == -100.0
        source.stop()
    with pytest.raises(AudioError, match=r"not started"):
        source.read(timeout=0)


def test_unreadable_wav_is_an_audio_error(tmp_path: Path) -> None:
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    with pytest.raises(AudioError, match=r"bad.wav"):
        WavFileSource(tmp_path / "bad.wav").start()


class PortAudioError(Exception):
    """Stands in for sounddevice.PortAudioError."""


class FakeStream:
    """Records the callbacks; the test plays PortAudio by calling them."""

    instances: ClassVar[list[FakeStream]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.callback = kwargs["callback"]
        self.finished_callback = kwargs["finished_callback"]
        self.closed = False
        FakeStream.instances.append(self)

    def start(self) -> None:
        pass

    def abort(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def fake_sounddevice(devices: list[dict[str, Any]], default_input: int = 0) -> SimpleNamespace:
    def query_devices(device: Any = None, kind: str | None = None) -> Any:
        if kind is None:
            return devices
        inputs = [d for d in devices if d["max_input_channels"] > 0]
        if not inputs:
            raise PortAudioError("Error querying device -1")
        if device is None:
            return devices[default_input]
        found = [d for d in inputs if device in (d["name"], devices.index(d))]
        if not found:
            raise ValueError(f"No input device matching {device!r}")
        return found[0]

    FakeStream.instances = []
    return SimpleNamespace(
        PortAudioError=PortAudioError,
        query_devices=query_devices,
        query_hostapis=lambda: [{"name": "ALSA"}],
        default=SimpleNamespace(device=(default_input, 1)),
        InputStream=FakeStream,
    )


MIC = {"name": "USB mic", "max_input_channels": 1, "default_samplerate": 48000.0, "hostapi": 0}
SPEAKER = {"name": "HDMI", "max_input_channels": 0, "default_samplerate": 48000.0, "hostapi": 0}


@pytest.fixture
def fake_sd(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    sd = fake_sounddevice([SPEAKER, MIC], default_input=1)
    monkeypatch.setattr(sources, "_import_sounddevice", lambda: sd)
    return sd


def test_lists_input_devices_with_the_default_flagged(fake_sd: SimpleNamespace) -> None:
    devices = list_input_devices()
    assert [
        (d.index, d.name, d.host_api, d.default_sample_rate, d.is_default) for d in devices
    ] == [(1, "USB mic", "ALSA", 48000, True)]


def test_no_microphone_is_a_plain_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    sd = fake_sounddevice([SPEAKER])
    monkeypatch.setattr(sources, "_import_sounddevice", lambda: sd)
    with pytest.raises(NoInputDeviceError) as error:
        MicrophoneSource().start()
    assert str(error.value) == "No microphone is connected"  # not "Error querying device -1"
    with pytest.raises(NoInputDeviceError) as error:
        MicrophoneSource("Blue Yeti").start()
    assert str(error.value) == "The microphone “Blue Yeti” is not connected"


def test_a_microphone_plugged_in_after_start_up_is_found(monkeypatch: pytest.MonkeyPatch) -> None:
    plugged = [SPEAKER]
    seen = list(plugged)  # PortAudio's list: read at start-up and on re-initialisation only
    sd = fake_sounddevice(seen, default_input=1)
    rescans: list[str] = []

    def initialize() -> None:
        rescans.append("initialize")
        seen[:] = plugged

    sd._terminate = lambda: rescans.append("terminate")
    sd._initialize = initialize
    monkeypatch.setattr(sources, "_import_sounddevice", lambda: sd)
    cards = ["controlC0"]
    monkeypatch.setattr(sources, "_sound_cards", lambda: tuple(cards))
    monkeypatch.setattr(sources, "_last_rescan", {"cards": None, "at": -math.inf})
    with pytest.raises(NoInputDeviceError):
        MicrophoneSource().start()
    assert rescans == ["terminate", "initialize"]  # PortAudio was asked to look again
    with pytest.raises(NoInputDeviceError):
        MicrophoneSource().start()
    assert len(rescans) == 2  # nothing plugged in since: no second (slow, noisy) re-init
    cards.append("pcmC1D0c")  # a USB microphone appears
    plugged.append(MIC)
    source = MicrophoneSource()
    source.start()
    assert (source.running, source.name, len(rescans)) == (True, "USB mic", 4)
    source.stop()
    # where the sound devices cannot be seen (no /dev/snd), it looks again every 10 s at most
    monkeypatch.setattr(sources, "_sound_cards", lambda: None)
    plugged.remove(MIC)
    seen.remove(MIC)
    start = sources.time.monotonic() + 100.0
    clock = [start]
    monkeypatch.setattr(sources.time, "monotonic", lambda: clock[0])
    for seconds in (0.0, 2.0, 4.0, 8.0, 10.5):
        clock[0] = start + seconds
        with pytest.raises(NoInputDeviceError):
            MicrophoneSource().start()
    assert len(rescans) == 4 + 2 * 2  # at 0 s and at 10.5 s


def test_stream_that_cannot_open_is_an_audio_error(
    fake_sd: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise PortAudioError("Device unavailable")

    monkeypatch.setattr(fake_sd, "InputStream", refuse)
    source = MicrophoneSource()
    with pytest.raises(AudioError, match=r"The microphone “USB mic” cannot be opened"):
        source.start()
    assert not source.running


def test_microphone_opens_mono_at_native_rate_and_resamples(fake_sd: SimpleNamespace) -> None:
    source = MicrophoneSource(block_ms=20)
    source.start()
    stream = FakeStream.instances[-1]
    assert stream.kwargs["samplerate"] == 48000
    assert stream.kwargs["channels"] == 1
    assert stream.kwargs["blocksize"] == 960
    block = np.full((960, 1), 0.25, dtype=np.float32)
    for _ in range(3):
        stream.callback(block, 960, None, None)
    out = np.concatenate([source.read(timeout=0.5) for _ in range(3)])
    assert out.dtype == np.float32
    assert abs(out.size - 960) <= 40  # 60 ms at 16 kHz, less the resampler's lag
    assert out[100:-100] == pytest.approx(0.25, abs=1e-3)
    source.stop()
    assert stream.closed


def test_device_removed_mid_stream_is_reported_then_recovered(fake_sd: SimpleNamespace) -> None:
    source = MicrophoneSource()
    source.start()
    first = FakeStream.instances[-1]
    first.callback(np.zeros((1440, 1), np.float32), 1440, None, None)
    assert source.read(timeout=0.5) is not None
    first.finished_callback()  # PortAudio ends the stream: the device went away
    with pytest.raises(AudioError, match=r"ended unexpectedly.*unplugged"):
        source.read(timeout=0.5)
    assert not source.running and first.closed
    source.start()  # plugged back in
    second = FakeStream.instances[-1]
    second.callback(np.zeros((1440, 1), np.float32), 1440, None, None)
    assert source.read(timeout=0.5) is not None


def test_a_stream_that_goes_silent_is_reported(fake_sd: SimpleNamespace) -> None:
    source = MicrophoneSource(stall_timeout_s=0.05)
    source.start()
    with pytest.raises(AudioError, match=r"no audio for"):
        for _ in range(20):
            source.read(timeout=0.02)


def test_a_full_queue_drops_and_counts_blocks(fake_sd: SimpleNamespace) -> None:
    source = MicrophoneSource(block_ms=30, queue_seconds=0.09)  # room for 3 blocks
    source.start()
    stream = FakeStream.instances[-1]
    for _ in range(5):
        stream.callback(np.zeros((1440, 1), np.float32), 1440, None, None)
    assert source.dropped_blocks == 2
    source.stop()


def test_stopping_is_not_an_error(fake_sd: SimpleNamespace) -> None:
    source = MicrophoneSource()
    source.start()
    stream = FakeStream.instances[-1]
    source.stop()
    stream.finished_callback()
    source.stop()
    assert not source.running
