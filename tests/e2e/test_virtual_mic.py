"""End to end through a real (virtual) microphone: PulseAudio null sink -> PortAudio -> source.

A synthesized command is played into a null sink with ``paplay``; :class:`MicrophoneSource`
captures the sink's monitor through PortAudio's "pulse" device. Uses the server that
``scripts/start_virtual_mic.sh`` started (``PULSE_SERVER`` set), or starts a private one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import Qt

from assistant.audio.resample import resample
from assistant.audio.sources import MicrophoneSource, rms_dbfs

pytestmark = pytest.mark.e2e
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # the app test's window, before Qt loads

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "start_virtual_mic.sh"
RATE = 16000


def _missing_tools() -> list[str]:
    return [tool for tool in ("pulseaudio", "paplay", "pactl") if shutil.which(tool) is None]


@pytest.fixture(scope="module")
def virtual_mic() -> Iterator[dict[str, str]]:
    """Environment of a running PulseAudio with the virtual microphone as default source."""
    missing = _missing_tools()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} (apt-get install pulseaudio pulseaudio-utils)")
    if os.environ.get("PULSE_SERVER") and os.environ.get("VIRTUAL_MIC_SINK"):
        yield {k: os.environ[k] for k in ("PULSE_SERVER", "PULSE_SOURCE", "VIRTUAL_MIC_SINK")}
        return
    started = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=120, check=False
    )
    if started.returncode != 0:
        pytest.skip(f"cannot start PulseAudio: {started.stderr.strip()[-300:]}")
    env = {}
    for line in started.stdout.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        env[name] = value
    try:
        yield env
    finally:
        os.kill(int(env["VIRTUAL_MIC_PID"]), 15)
        shutil.rmtree(env["XDG_RUNTIME_DIR"], ignore_errors=True)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short command as speech (espeak-ng) or, without it, a chirp of the same length."""
    path = tmp_path_factory.mktemp("e2e") / "command.wav"
    if shutil.which("espeak-ng"):
        subprocess.run(
            ["espeak-ng", "-s", "150", "-w", str(path), "what time is it"], check=True, timeout=60
        )
    else:
        t = np.arange(int(1.2 * 22050)) / 22050
        sf.write(str(path), 0.4 * np.sin(2 * np.pi * (200 + 600 * t) * t), 22050)
    return path


def _capture_while_playing(source: MicrophoneSource, wav: Path, sink: str) -> np.ndarray:
    blocks = []
    # An idle null sink starts delivering 1-2 s late: play only once audio flows.
    first = None
    for _ in range(200):
        first = source.read(timeout=0.05)
        if first is not None:
            break
    assert first is not None, "the virtual microphone delivered nothing in 10 s"
    player = subprocess.Popen(["paplay", "-d", sink, str(wav)])
    try:
        while player.poll() is None:
            block = source.read(timeout=0.1)
            if block is not None:
                blocks.append(block)
        for _ in range(10):  # the tail still in flight (300 ms)
            block = source.read(timeout=0.1)
            if block is not None:
                blocks.append(block)
    finally:
        player.wait(timeout=30)
    assert player.returncode == 0
    return np.concatenate(blocks)


def _aligned_correlation(captured: np.ndarray, played: np.ndarray) -> float:
    """Pearson correlation of ``played`` with the best-aligned stretch of ``captured``."""
    n = captured.size + played.size
    spectrum = np.fft.rfft(captured, n) * np.conj(np.fft.rfft(played, n))
    lag = int(np.argmax(np.fft.irfft(spectrum, n)[: captured.size]))
    segment = captured[lag : lag + played.size]
    reference = played[: segment.size]
    return float(np.corrcoef(segment, reference)[0, 1])


def test_microphone_captures_what_is_played(
    virtual_mic: dict[str, str], spoken: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in virtual_mic.items():
        monkeypatch.setenv(name, value)
    import sounddevice as sd

    sd._terminate()  # re-read the device list with this environment
    sd._initialize()
    if not any(d["name"] == "pulse" for d in sd.query_devices()):
        pytest.skip("PortAudio has no 'pulse' device (apt-get install libasound2-plugins)")
    source = MicrophoneSource("pulse")
    source.start()
    try:
        captured = _capture_while_playing(source, spoken, virtual_mic["VIRTUAL_MIC_SINK"])
    finally:
        source.stop()
    audio, rate = sf.read(str(spoken), dtype="float32")
    played = resample(audio, rate, RATE)
    assert captured.size > played.size * 0.9
    assert rms_dbfs(captured) > -45.0, "the captured audio is silent"
    correlation = _aligned_correlation(captured, played)
    assert correlation > 0.8, f"captured audio does not match the played file (r={correlation:.2f})"

    from assistant.recognizer import Recognizer, default_model_path

    if not default_model_path().is_file() or not shutil.which("espeak-ng"):
        return  # recognition needs the bundled model and real speech
    from assistant.commands.grammar import CommandSet
    from assistant.commands.intents import agreement, recognize
    from assistant.decoding.greedy import greedy_decode

    log_probs = Recognizer().log_probs(captured)
    # The words come through the microphone path: the free transcript is close to what was
    # played (the model still misspells, e.g. "hat ti isix")...
    heard = greedy_decode(log_probs)
    assert agreement(heard, "what time is it") >= 0.6, heard
    # ...and the command is understood.
    result = recognize(log_probs, CommandSet.default())
    assert result.intent == "GetTime", result


def _use_virtual_mic(virtual_mic: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Point PulseAudio clients (PortAudio here, espeak-ng in a child) at the virtual mic."""
    for name, value in virtual_mic.items():
        monkeypatch.setenv(name, value)
    import sounddevice as sd

    sd._terminate()  # re-read the device list with this environment
    sd._initialize()
    if not any(d["name"] == "pulse" for d in sd.query_devices()):
        pytest.skip("PortAudio has no 'pulse' device (apt-get install libasound2-plugins)")


def test_the_app_does_not_hear_its_own_spoken_reply(
    virtual_mic: dict[str, str],
    spoken: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    qtbot,  # type: ignore[no-untyped-def]
) -> None:
    """Hands-free, the reply espeak-ng speaks goes into the same sink the microphone hears
    (as a laptop's speakers reach its microphone); it must not be taken for a new command."""
    pytest.importorskip("PySide6.QtWidgets", reason="PySide6 (or its system libraries) missing")
    if not shutil.which("espeak-ng"):
        pytest.skip("needs espeak-ng to speak the reply")
    from assistant.recognizer import default_model_path

    if not default_model_path().is_file():
        pytest.skip("needs the bundled model")
    _use_virtual_mic(virtual_mic, monkeypatch)
    from assistant.gui.app import Controller, DefaultParts
    from assistant.gui.settings import Settings
    from assistant.gui.window import MainWindow
    from assistant.gui.worker import State, Worker
    from assistant.skills.dispatch import Skills, SkillsConfig
    from assistant.speech_out import Speaker
    from tests.assistant.gui.signals import emitted

    class PulseParts(DefaultParts):
        def source(self, settings: Settings) -> MicrophoneSource:
            return MicrophoneSource("pulse")

    settings = Settings(hands_free=True, spoken_replies=True)
    speaker = Speaker("espeak-ng")
    skills = Skills(SkillsConfig(data_dir=tmp_path / "data", spoken_replies=False))
    window = MainWindow(settings, timers=skills.timers)
    qtbot.addWidget(window)
    worker = Worker(PulseParts(), settings, skills=skills, speaker=speaker)
    controller = Controller(window, worker, tmp_path / "settings.json")
    states: list[str] = []
    levels: list[tuple[str, float]] = []
    turns: list[object] = []
    worker.state_changed.connect(states.append, Qt.ConnectionType.DirectConnection)
    worker.level.connect(
        lambda dbfs: levels.append((states[-1] if states else "", dbfs)),
        Qt.ConnectionType.DirectConnection,
    )
    worker.final.connect(turns.append, Qt.ConnectionType.DirectConnection)
    try:
        with emitted(qtbot, worker.state_changed, timeout=60_000, check=lambda s: s == State.READY):
            controller.start()
        qtbot.waitUntil(lambda: len(levels) > 20, timeout=10_000)  # the idle sink delivers
        player = subprocess.run(
            ["paplay", "-d", virtual_mic["VIRTUAL_MIC_SINK"], str(spoken)], timeout=30, check=True
        )
        assert player.returncode == 0
        qtbot.waitUntil(lambda: len(turns) == 1, timeout=15_000)
        qtbot.waitUntil(lambda: State.SPEAKING in states, timeout=10_000)
        qtbot.waitUntil(
            lambda: states[-1] == State.READY and not speaker.speaking(), timeout=30_000
        )
        # an utterance started by the reply's echo would have ended within this
        with qtbot.assertNotEmitted(worker.final, wait=2500):
            pass
    finally:
        controller.shutdown()
        skills.close()
        speaker.close()
    heard_reply = max(dbfs for state, dbfs in levels if state == State.SPEAKING)
    assert heard_reply > -40.0, "the spoken reply did not reach the microphone"
    assert len(turns) == 1, [getattr(t, "heard", t) for t in turns]
    assert states.count(State.LISTENING) == 1  # the user's command only
