"""The app's flow through Qt: window -> worker thread -> engine -> signals -> window.

The engine reads a WAV file through the microphone's queue path and a tiny random model, so
what it hears is noise: the tests check the flow (signals, conversation entries, timings,
errors shown in the window), waiting on signals rather than sleeping.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QCoreApplication, Qt

from assistant.audio import sources
from assistant.audio.sources import AudioSource, MicrophoneSource, WavFileSource
from assistant.commands.grammar import CommandSet
from assistant.engine import Turn
from assistant.errors import NoInputDeviceError
from assistant.gui import worker as worker_module
from assistant.gui.app import Controller
from assistant.gui.settings import Settings
from assistant.gui.widgets import said
from assistant.gui.window import MainWindow
from assistant.gui.worker import State, Worker
from assistant.recognizer import Recognizer
from assistant.skills.dispatch import NOT_CAUGHT, Skills, SkillsConfig
from tests.assistant.gui.signals import emitted

COMMANDS = """
intents:
  GetTime:
    - "what time is it"
  Stop:
    - "stop"
"""
SETTINGS = Settings(builtin_commands=False, spoken_replies=True)


def settle() -> None:
    """Deliver the window's queued slot calls that are already posted (for signals the worker
    emitted after the one waited for)."""
    QCoreApplication.processEvents()


class Parts:
    """Engine parts for tests: a model file, a small grammar, a source factory."""

    def __init__(self, model: Path, source: Callable[[], AudioSource]) -> None:
        self.model_path = model
        self.make_source = source

    def model(self, settings: Settings) -> Recognizer:
        return Recognizer(self.model_path)

    def commands(self, settings: Settings) -> CommandSet:
        if settings.command_files:  # as the app's DefaultParts loads them
            return CommandSet.skipping(settings.command_paths())
        return CommandSet.from_yaml(COMMANDS)

    def source(self, settings: Settings) -> AudioSource:
        return self.make_source()


class FakeSpeaker:
    """Says nothing; ``busy`` is whether it would still be speaking."""

    def __init__(self) -> None:
        self.spoken: list[str] = []
        self.busy = False
        self.stops = 0

    def speak(self, text: str) -> None:
        self.spoken.append(text)

    def stop(self) -> None:
        self.stops += 1
        self.busy = False

    def speaking(self) -> bool:
        return self.busy


def write_wav(path: Path, seconds: float) -> Path:
    rate = 22050
    t = np.arange(int(rate * seconds)) / rate
    audio = 0.3 * np.sin(2 * np.pi * 250 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t))
    sf.write(str(path), audio.astype(np.float32), rate)
    return path


@pytest.fixture
def wav(tmp_path: Path) -> Path:
    return write_wav(tmp_path / "speech.wav", 2.0)


class App(SimpleNamespace):
    window: MainWindow
    worker: Worker
    controller: Controller
    speaker: FakeSpeaker


@pytest.fixture
def start_app(qtbot, tmp_path: Path) -> Iterator[Callable[..., App]]:  # type: ignore[no-untyped-def]
    apps: list[App] = []

    def start(parts: Parts, settings: Settings = SETTINGS, *, expect: str = State.READY) -> App:
        skills = Skills(SkillsConfig(data_dir=tmp_path / "data"))
        speaker = FakeSpeaker()
        window = MainWindow(settings, timers=skills.timers)
        qtbot.addWidget(window)
        worker = Worker(parts, settings, skills=skills, speaker=speaker)
        controller = Controller(window, worker, tmp_path / "settings.json")
        app = App(window=window, worker=worker, controller=controller, speaker=speaker)
        apps.append(app)
        with emitted(qtbot, worker.state_changed, timeout=10_000, check=lambda s: s == expect):
            controller.start()
        settle()
        return app

    yield start
    for app in apps:
        assert app.controller.shutdown()


def test_push_to_talk_adds_a_conversation_entry(qtbot, start_app, model_path, wav) -> None:  # type: ignore[no-untyped-def]
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=2.0)))
    with emitted(qtbot, app.worker.level, timeout=5000):
        pass
    with emitted(qtbot, app.worker.partial, timeout=5000):
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    settle()
    assert app.window.partial_label.text().startswith("Listening…")
    assert app.window.status_label.text().startswith("Listening")
    with emitted(qtbot, app.worker.final, timeout=10_000) as final:
        qtbot.keyRelease(app.window, Qt.Key.Key_Space)
    settle()
    turn = final.args[0]
    assert isinstance(turn, Turn)
    entries = app.window.conversation.entries
    assert [e.speaker for e in entries] == ["you", "assistant"]
    assert entries[0].text == said(turn)
    assert entries[1].text == turn.reply
    if turn.result.intent is None:
        assert turn.reply == NOT_CAUGHT
    assert f"{turn.timings.to_intent_ms:.0f} ms to intent" in entries[0].detail
    assert "confidence" in entries[0].detail
    assert turn.timings.audio_ms > 300
    if turn.speak:
        qtbot.waitUntil(lambda: app.speaker.spoken == [turn.reply])
    else:  # the random model's tone may be taken for "stop", which is answered silently
        assert (turn.result.intent, app.speaker.spoken) == ("Stop", [])
    assert app.window.partial_label.text() == ""


def test_held_button_works_like_the_space_bar(qtbot, start_app, model_path, wav) -> None:  # type: ignore[no-untyped-def]
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=4.0)))
    with emitted(qtbot, app.worker.state_changed, check=lambda s: s == "listening"):
        app.window.talk_button.pressed.emit()
    with emitted(qtbot, app.worker.final, timeout=10_000):
        app.window.talk_button.released.emit()
    settle()
    assert len(app.window.conversation.entries) == 2


def test_missing_model_is_shown_with_what_to_do(qtbot, start_app, tmp_path, wav) -> None:  # type: ignore[no-untyped-def]
    parts = Parts(tmp_path / "nowhere.onnx", lambda: WavFileSource(wav))
    app = start_app(parts, expect=State.NO_MODEL)
    assert app.window.banner.isVisibleTo(app.window)
    text = app.window.banner.label.text()
    assert "nowhere.onnx: no such model file" in text
    assert "Choose a model file in Settings" in text
    assert not app.window.talk_button.isEnabled()


def test_mismatched_model_is_shown(qtbot, start_app, make_model, wav) -> None:  # type: ignore[no-untyped-def]
    model = make_model("old.onnx", overrides={"sample_rate": "8000"})
    app = start_app(Parts(model, lambda: WavFileSource(wav)), expect=State.NO_MODEL)
    assert "sample_rate is 8000 Hz" in app.window.banner.label.text()


def test_broken_commands_file_falls_back_to_the_built_in_commands(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, wav, tmp_path
) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text("intents:\n  Lights:\n    - 'turn on (the lights'\n")
    settings = Settings(builtin_commands=False, command_files=(str(broken),))
    app = start_app(Parts(model_path, lambda: WavFileSource(wav)), settings)
    text = app.window.banner.label.text()
    assert "A commands file is broken" in text and "mine.yaml:3" in text
    assert "Reload commands" in text
    assert app.window.talk_button.isEnabled()
    broken.write_text("intents:\n  Lights:\n    - 'turn on the lights'\n")
    with qtbot.assertNotEmitted(app.worker.error, wait=300):
        app.window.reload_requested.emit()


class Unplugged(WavFileSource):
    """A microphone that is not there until ``plugged`` is set."""

    plugged = False

    def start(self) -> None:
        if not Unplugged.plugged:
            raise NoInputDeviceError("No microphone is connected")
        super().start()


def test_no_microphone_is_a_plain_sentence_and_one_plugged_in_is_picked_up(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, wav, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(worker_module, "RETRY_MS", 50)
    Unplugged.plugged = False
    with caplog.at_level(logging.WARNING):
        app = start_app(Parts(model_path, lambda: Unplugged(wav)), expect=State.NO_AUDIO)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in warnings] == [
        "No microphone is connected. Plug one in: the assistant starts listening as soon as "
        "it appears (or choose another input in Settings)"
    ]
    assert warnings[0].exc_info is None  # one line in the terminal, no traceback
    text = app.window.banner.label.text()
    assert text.startswith("No microphone is connected. Plug one in: the assistant starts")
    assert "PortAudio" not in text and "Error querying" not in text
    assert not app.window.talk_button.isEnabled()
    assert app.window.talk_button.text() == "No microphone: plug one in"
    with qtbot.assertNotEmitted(app.worker.state_changed, wait=200):  # retries stay quiet
        with qtbot.assertNotEmitted(app.window.listen_started):
            qtbot.keyPress(app.window, Qt.Key.Key_Space)  # the button does nothing now
        qtbot.keyRelease(app.window, Qt.Key.Key_Space)
    with emitted(qtbot, app.worker.state_changed, timeout=5000, check=lambda s: s == State.READY):
        Unplugged.plugged = True  # no restart, no press: the app finds it
    settle()
    assert app.window.talk_button.isEnabled()
    assert not app.window.banner.isVisibleTo(app.window)
    with emitted(qtbot, app.worker.level, timeout=5000):
        pass


def test_no_microphone_hides_no_other_problem(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, wav, tmp_path, monkeypatch
) -> None:
    def no_input_devices() -> SimpleNamespace:
        def query_devices(device: object = None, kind: object = None) -> object:
            raise OSError("Error querying device -1")

        return SimpleNamespace(PortAudioError=OSError, query_devices=query_devices)

    monkeypatch.setattr(sources, "_import_sounddevice", no_input_devices)
    good = tmp_path / "good.yaml"
    good.write_text("intents:\n  Lights:\n    - 'turn on the lights'\n")
    broken = tmp_path / "mine.yaml"
    broken.write_text("intents:\n  Heat:\n    - 'heat (up'\n")
    settings = Settings(builtin_commands=False, command_files=(str(good), str(broken)))
    app = start_app(Parts(model_path, MicrophoneSource), settings, expect=State.NO_AUDIO)
    settle()
    text = app.window.banner.label.text()
    assert "No microphone is connected. Plug one in" in text
    assert "A commands file has a mistake and was left out; the other commands work" in text
    assert f"{broken}:3: unbalanced bracket" in text
    assert "Error querying device" not in text
    assert app.window.grammar is not None and list(app.window.grammar.intents) == ["Lights"]


def test_pressing_to_talk_stops_the_spoken_reply_and_leaves_it_out(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, wav
) -> None:
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=2.0)))
    with emitted(
        qtbot, app.worker.state_changed, timeout=5000, check=lambda s: s == State.SPEAKING
    ):
        app.speaker.busy = True  # a reply is being spoken
    settle()
    assert app.window.status_label.text() == "Speaking…"
    with emitted(qtbot, app.worker.level, timeout=5000):
        pass
    engine = app.worker._engine
    assert engine is not None and engine.muted  # its own voice is not listened to
    with emitted(
        qtbot, app.worker.state_changed, timeout=5000, check=lambda s: s == State.LISTENING
    ):
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    assert app.speaker.stops == 1 and not app.speaker.busy
    # no pre-roll: it held the reply (what the source delivered since may follow already)
    assert engine.preroll_samples == 0
    with emitted(qtbot, app.worker.final, timeout=10_000):
        qtbot.keyRelease(app.window, Qt.Key.Key_Space)


def test_a_timer_announcement_waits_until_the_user_has_spoken(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, wav
) -> None:
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=2.0)))
    with emitted(qtbot, app.worker.state_changed, check=lambda s: s == "listening"):
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    app.controller.announced.emit("The pasta timer is done.")
    settle()
    with emitted(qtbot, app.worker.level, timeout=5000):
        pass  # the worker has handled the announcement by now
    assert app.speaker.spoken == []
    with emitted(qtbot, app.worker.final, timeout=10_000) as final:
        qtbot.keyRelease(app.window, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: len(app.speaker.spoken) == 2)
    assert app.speaker.spoken == [final.args[0].reply, "The pasta timer is done."]


def test_unplugged_while_recording_is_shown(
    qtbot, start_app, model_path, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(worker_module, "RETRY_MS", 100)
    short = write_wav(tmp_path / "short.wav", 1.0)
    source = WavFileSource(short, speed=2.0, then="end")
    app = start_app(Parts(model_path, lambda: source))
    with emitted(qtbot, app.worker.error, timeout=5000) as error:
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    source.then = "silence"  # once restarted, it stays
    assert error.args[0] == (
        "The microphone stopped while you were speaking; say that command again: short.wav: "
        "the input stream ended unexpectedly (device unplugged?). The assistant listens again "
        "as soon as it is back (or choose another input in Settings)"
    )
    qtbot.waitUntil(lambda: app.window.status_label.text() == "No microphone")
    qtbot.keyRelease(app.window, Qt.Key.Key_Space)
    assert app.window.conversation.entries == []
    # the file "plugs in" again when started: the worker's retry finds it, unasked
    with emitted(qtbot, app.worker.problem_solved, timeout=5000, check=lambda t: t == "audio"):
        pass
    qtbot.waitUntil(lambda: app.window.status_label.text() == "Ready")
    assert not app.window.banner.isVisibleTo(app.window)


def test_ctrl_c_in_the_terminal_closes_the_app_without_a_traceback(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "PYTHONPATH": str(root),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),  # not the user's settings or commands
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "-v"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(line) for line in process.stderr or ()])
    reader.start()
    seen = []
    try:
        while not any("the app is running" in line for line in seen):
            seen.append(lines.get(timeout=60))
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
    finally:
        process.kill()
        reader.join(timeout=10)
    while not lines.empty():
        seen.append(lines.get())
    assert not [line for line in seen if "Traceback" in line], "".join(seen)
