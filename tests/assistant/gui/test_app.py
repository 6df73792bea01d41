"""The app's flow through Qt: window -> worker thread -> engine -> signals -> window.

The engine reads a WAV file through the microphone's queue path and a tiny random model, so
what it hears is noise: the tests check the flow (signals, conversation entries, timings,
errors shown in the window), waiting on signals rather than sleeping.
"""

from __future__ import annotations

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
from assistant.gui.app import Controller
from assistant.gui.settings import Settings
from assistant.gui.widgets import said
from assistant.gui.window import MainWindow
from assistant.gui.worker import State, Worker
from assistant.recognizer import Recognizer
from assistant.skills.base import NOT_CAUGHT, Skills, SkillsConfig

COMMANDS = """
intents:
  GetTime:
    - "what time is it"
  Stop:
    - "stop"
"""
SETTINGS = Settings(builtin_commands=False, spoken_replies=True)


def settle() -> None:
    """Deliver the window's queued slot calls.

    qtbot's signal spy runs directly on the worker's thread when the signal fires, so the
    window's (queued) slots for that and earlier signals may not have run yet; they are
    already posted, and this runs them.
    """
    QCoreApplication.processEvents()


class Parts:
    """Engine parts for tests: a model file, a small grammar, a source factory."""

    def __init__(self, model: Path, source: Callable[[], AudioSource]) -> None:
        self.model_path = model
        self.make_source = source

    def model(self, settings: Settings) -> Recognizer:
        return Recognizer(self.model_path)

    def commands(self, settings: Settings) -> CommandSet:
        if settings.command_files:
            return CommandSet(settings.command_paths())
        return CommandSet.from_yaml(COMMANDS)

    def source(self, settings: Settings) -> AudioSource:
        return self.make_source()


class FakeSpeaker:
    def __init__(self) -> None:
        self.spoken: list[str] = []

    def speak(self, text: str) -> None:
        self.spoken.append(text)


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
        with qtbot.waitSignal(
            worker.state_changed, timeout=10_000, check_params_cb=lambda s: s == expect
        ):
            controller.start()
        settle()
        return app

    yield start
    for app in apps:
        assert app.controller.shutdown()


def test_push_to_talk_adds_a_conversation_entry(qtbot, start_app, model_path, wav) -> None:  # type: ignore[no-untyped-def]
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=2.0)))
    with qtbot.waitSignal(app.worker.level, timeout=5000):
        pass
    with qtbot.waitSignal(app.worker.partial, timeout=5000):
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    settle()
    assert app.window.partial_label.text().startswith("Listening…")
    assert app.window.status_label.text().startswith("Listening")
    with qtbot.waitSignal(app.worker.final, timeout=10_000) as final:
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
    qtbot.waitUntil(lambda: app.speaker.spoken == [turn.reply])
    assert app.window.partial_label.text() == ""


def test_held_button_works_like_the_space_bar(qtbot, start_app, model_path, wav) -> None:  # type: ignore[no-untyped-def]
    app = start_app(Parts(model_path, lambda: WavFileSource(wav, speed=4.0)))
    with qtbot.waitSignal(app.worker.state_changed, check_params_cb=lambda s: s == "listening"):
        app.window.talk_button.pressed.emit()
    with qtbot.waitSignal(app.worker.final, timeout=10_000):
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


def test_no_microphone_is_shown_and_retried_on_press(  # type: ignore[no-untyped-def]
    qtbot, start_app, model_path, monkeypatch
) -> None:
    def no_input_devices() -> SimpleNamespace:
        def query_devices(device: object = None, kind: object = None) -> object:
            raise ValueError("No input device matching None")

        return SimpleNamespace(PortAudioError=OSError, query_devices=query_devices)

    monkeypatch.setattr(sources, "_import_sounddevice", no_input_devices)
    app = start_app(Parts(model_path, MicrophoneSource), expect=State.NO_AUDIO)
    assert "No audio input: no microphone found" in app.window.banner.label.text()
    assert app.window.talk_button.isEnabled()  # pressing retries
    with qtbot.waitSignal(app.worker.error) as error:
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    assert "Connect a microphone" in error.args[0]
    qtbot.keyRelease(app.window, Qt.Key.Key_Space)


def test_unplugged_while_recording_is_shown(qtbot, start_app, model_path, tmp_path) -> None:  # type: ignore[no-untyped-def]
    short = write_wav(tmp_path / "short.wav", 1.0)
    app = start_app(Parts(model_path, lambda: WavFileSource(short, speed=2.0, then="end")))
    with qtbot.waitSignal(app.worker.error, timeout=5000) as error:
        qtbot.keyPress(app.window, Qt.Key.Key_Space)
    assert "while recording" in error.args[0] and "unplugged" in error.args[0]
    qtbot.waitUntil(lambda: app.window.status_label.text().startswith("No audio input"))
    qtbot.keyRelease(app.window, Qt.Key.Key_Space)
    assert app.window.conversation.entries == []
