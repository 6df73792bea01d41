"""Start the desktop app: settings, skills, window, worker thread, and an orderly shutdown."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication

from assistant.audio.sources import AudioSource, InputDevice, MicrophoneSource, list_input_devices
from assistant.commands.grammar import CommandSet
from assistant.errors import AudioError
from assistant.gui.errors import SettingsError
from assistant.gui.settings import Settings, load_settings, save_settings
from assistant.gui.theme import ThemeFollower, app_icon
from assistant.gui.window import MainWindow
from assistant.gui.worker import AppSkills, EngineParts, Worker
from assistant.pipeline import AcousticModel
from assistant.speech_out import Speaker as SpeechOut

_LOGGER = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT_MS = 3000
"""How long closing the window waits for the worker thread to finish."""
EXIT_NO_DISPLAY = 2
EXIT_INTERRUPTED = 130
"""Status after Ctrl+C, as a shell reports a command ended by SIGINT."""


class DefaultParts:
    """The real engine parts: the ONNX recogniser, the command files, the microphone."""

    def model(self, settings: Settings) -> AcousticModel:
        """The recogniser of ``settings.model_path`` (default: bundled); raises ModelError."""
        from assistant.recognizer import Recognizer

        return Recognizer(settings.model_path, provider=settings.provider)

    def commands(self, settings: Settings) -> CommandSet:
        """The command grammar of the settings' files, leaving out a file with mistakes (in
        its ``problems``); raises CommandsError when no file can be used."""
        return CommandSet.skipping(settings.command_paths())

    def source(self, settings: Settings) -> AudioSource:
        """The chosen microphone (not yet started)."""
        return MicrophoneSource(settings.input_device)


class Controller(QObject):
    """Connects a window and a worker on its own thread; owns the shutdown."""

    announced = Signal(str)
    """Something the skills say unprompted; emitted from any thread."""
    _shutdown_requested = Signal()

    def __init__(
        self, window: MainWindow, worker: Worker, settings_path: Path | None = None
    ) -> None:
        """Move ``worker`` to a new thread and wire it to ``window``."""
        super().__init__()
        self.window = window
        self.worker = worker
        self.settings_path = settings_path
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("assistant-worker")
        worker.moveToThread(self.worker_thread)
        self.worker_thread.started.connect(worker.start)
        window.listen_started.connect(worker.start_listening)
        window.listen_stopped.connect(worker.stop_listening)
        window.listen_cancelled.connect(worker.cancel_listening)
        window.settings_changed.connect(self._save_settings)
        window.settings_changed.connect(worker.apply_settings)
        window.reload_requested.connect(worker.reload_commands)
        worker.partial.connect(window.show_partial)
        worker.final.connect(window.show_turn)
        worker.level.connect(window.show_level)
        worker.problem.connect(window.show_problem)
        worker.problem_solved.connect(window.clear_problem)
        worker.state_changed.connect(window.set_state)
        worker.commands_changed.connect(window.set_commands)
        self.announced.connect(window.show_announcement)
        self.announced.connect(worker.speak)
        self._shutdown_requested.connect(worker.shutdown)
        # Direct: quit() is thread-safe, and the GUI thread is waiting in shutdown().
        worker.stopped.connect(self.worker_thread.quit, Qt.ConnectionType.DirectConnection)

    def start(self) -> None:
        """Start the worker thread (it builds the engine and opens the microphone)."""
        self.worker_thread.start()

    @Slot()
    def shutdown(self) -> bool:
        """Stop the worker and wait (bounded) for its thread; True when it ended in time."""
        if not self.worker_thread.isRunning():
            return True
        self.worker.request_stop()
        self._shutdown_requested.emit()
        finished = self.worker_thread.wait(SHUTDOWN_TIMEOUT_MS)
        if not finished:
            _LOGGER.error("the worker thread did not stop within %d ms", SHUTDOWN_TIMEOUT_MS)
        return bool(finished)

    @Slot(object)
    def _save_settings(self, settings: Settings) -> None:
        try:
            save_settings(settings, self.settings_path)
        except SettingsError as e:
            self.window.show_error(f"{e}. The new settings apply until you quit")


def _skills_and_speaker() -> tuple[AppSkills, SpeechOut]:
    """The built-in skills and the speech output.

    The worker decides whether to speak (the setting can change while running), so the skills
    get the speaker only to stop it ("stop") and never speak themselves.
    """
    from assistant.skills.dispatch import Skills, SkillsConfig

    speaker = SpeechOut()
    return Skills(SkillsConfig(spoken_replies=False), speaker=speaker), speaker


def input_devices() -> list[InputDevice]:
    try:
        return list_input_devices()
    except AudioError as e:
        _LOGGER.warning("cannot list input devices: %s", e)
        return []


def _quit_on_ctrl_c(app: QApplication) -> Any:
    """Ctrl+C in the terminal closes the app in order (status 130) instead of raising
    KeyboardInterrupt inside whatever Qt slot runs at that moment; returns the handler it
    replaced."""
    # exit from the event loop, not at once: before app.exec() has started, exit() does nothing
    previous = signal.signal(
        signal.SIGINT,
        lambda _signum, _frame: QTimer.singleShot(0, lambda: app.exit(EXIT_INTERRUPTED)),
    )
    # Python runs signal handlers only between its own bytecodes: wake it up now and then.
    wake = QTimer(app)
    wake.timeout.connect(lambda: None)
    wake.start(250)
    return previous


def _has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM") or sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_app(
    argv: Sequence[str] | None = None,
    *,
    settings_path: Path | None = None,
    parts: EngineParts | None = None,
    skills: AppSkills | None = None,
) -> int:
    """Run the app until its window closes; returns the exit status."""
    if not _has_display():
        print(
            "assistant: no display (DISPLAY and WAYLAND_DISPLAY are unset); run it in a desktop "
            "session, or set QT_QPA_PLATFORM=offscreen to try it without one",
            file=sys.stderr,
        )
        return EXIT_NO_DISPLAY
    existing = QApplication.instance()
    app = (
        existing if isinstance(existing, QApplication) else QApplication(list(argv or sys.argv[:1]))
    )
    app.setApplicationName("Voice assistant")
    app.setDesktopFileName("assistant")
    app.setWindowIcon(app_icon())
    theme = ThemeFollower(app)
    settings_error = None
    try:
        settings = load_settings(settings_path)
    except SettingsError as e:
        settings, settings_error = Settings(), str(e)
    speaker: SpeechOut | None = None
    if skills is None:
        skills, speaker = _skills_and_speaker()
    window = MainWindow(settings, timers=skills.timers, devices=input_devices, theme=theme.theme)
    worker = Worker(parts or DefaultParts(), settings, skills=skills, speaker=speaker)
    controller = Controller(window, worker, settings_path)
    if settings_error:
        window.show_error(
            f"{settings_error}. Using the default settings; saving them in Settings replaces "
            "the file"
        )
    skills.add_listener(lambda reply: controller.announced.emit(reply.text))
    app.aboutToQuit.connect(controller.shutdown)
    window.show()
    controller.start()
    previous_handler = _quit_on_ctrl_c(app)
    _LOGGER.info("the app is running")
    try:
        return int(app.exec())
    finally:
        signal.signal(signal.SIGINT, previous_handler)
        controller.shutdown()
        skills.close()  # cancels timers, stops speaking
        if speaker is not None:
            speaker.close()
