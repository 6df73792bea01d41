"""The worker: a QObject living on a QThread that owns the engine and its audio source.

While a source runs, a zero-interval :class:`QTimer` on the worker's thread pumps the engine
one block per timeout (a blocking queue read with a short timeout, never a sleep); between
timeouts the thread's own event loop delivers the slots queued by the GUI (start/stop
listening, new settings). Everything it learns goes out through signals, errors included; the
GUI thread only draws.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from assistant.audio.sources import AudioSource
from assistant.commands.confidence import load_calibration
from assistant.commands.errors import CommandsError
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.commands.intents import RecognitionResult
from assistant.engine import Engine, EngineConfig, ReplyLike, Turn
from assistant.errors import AssistantError, AudioError, ModelError, NoInputDeviceError
from assistant.gui.settings import Settings
from assistant.gui.widgets import TimerSource
from assistant.pipeline import AcousticModel, UnderstandOptions

_LOGGER = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.05
"""Longest wait for an audio block; also the longest delay before a queued slot runs."""
RETRY_MS = 2000
"""How often, in milliseconds, a missing microphone is looked for again."""
ECHO_TAIL_S = 0.3
"""Seconds after speaking ends during which the microphone is still ignored (the end of the
reply is still in the sound system's buffers and in the room)."""


class Speaker(Protocol):
    """Speaks replies aloud (``assistant.speech_out.Speaker`` or a test double)."""

    def speak(self, text: str) -> None:
        """Say ``text`` (queued; returns at once)."""
        ...

    def stop(self) -> None:
        """Stop speaking and drop what is queued."""
        ...

    def speaking(self) -> bool:
        """Whether something is being said or waits to be said."""
        ...


class EngineParts(Protocol):
    """Builds what an engine is made of from the settings; each may raise its error."""

    def model(self, settings: Settings) -> AcousticModel:
        """The acoustic model; raises ModelError."""
        ...

    def commands(self, settings: Settings) -> CommandSet:
        """The command grammar; raises CommandsError."""
        ...

    def source(self, settings: Settings) -> AudioSource:
        """The (not yet started) audio source."""
        ...


class AppSkills(Protocol):
    """What the app needs of its skills (:class:`assistant.skills.dispatch.Skills`)."""

    commands: CommandSet | None
    """The commands whose sentences the help lists; the worker keeps it current."""

    @property
    def timers(self) -> TimerSource:
        """Running timers, for the window's list."""
        ...

    def handle(self, result: RecognitionResult) -> ReplyLike:
        """Do what ``result`` asks and say what was done."""
        ...

    def add_listener(self, callback: Callable[[ReplyLike], None]) -> None:
        """Call ``callback`` with every reply that arrives on its own (a timer ending)."""
        ...

    def close(self) -> None:
        """Cancel timers and stop speaking."""
        ...


class State(str, Enum):
    """Values of :attr:`Worker.state_changed` (strings, so they cross threads as such)."""

    STARTING = "starting"
    READY = "ready"
    LISTENING = "listening"
    RECOGNIZING = "recognizing"
    SPEAKING = "speaking"
    NO_AUDIO = "no audio input"
    NO_MODEL = "no model"
    STOPPED = "stopped"


class Topic:
    """What a problem is about (:attr:`Worker.problem`); a newer problem of a topic replaces
    the older one, and :attr:`Worker.problem_solved` clears it."""

    AUDIO = "audio"
    MODEL = "model"
    COMMANDS = "commands"
    RECOGNITION = "recognition"
    SPEECH = "speech"


class Worker(QObject):
    """Owns engine and source on its thread; all methods but :meth:`request_stop` are slots."""

    partial = Signal(str)
    """Live transcript of the utterance being recorded."""
    final = Signal(object)
    """A finished :class:`~assistant.engine.Turn`."""
    level = Signal(float)
    """Input level of the latest block, dBFS."""
    error = Signal(str)
    """What went wrong and what to do (every message of :attr:`problem`)."""
    problem = Signal(str, str)
    """A :class:`Topic` and what is wrong with it and what to do, for the window."""
    problem_solved = Signal(str)
    """The problem of this :class:`Topic` is gone (a microphone was plugged in, ...)."""
    state_changed = Signal(str)
    """One of the :class:`State` values."""
    commands_changed = Signal(object)
    """The :class:`~assistant.commands.grammar.CommandSet` now recognised."""
    stopped = Signal()
    """Emitted by :meth:`shutdown` once the source is closed."""

    def __init__(
        self,
        parts: EngineParts,
        settings: Settings,
        *,
        skills: AppSkills | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        """A worker that builds its engine from ``parts`` and ``settings`` when started."""
        super().__init__()
        self._parts = parts
        self._settings = settings
        self._skills = skills
        self._speaker = speaker
        self._engine: Engine | None = None
        self._quit = threading.Event()
        self._speaking = False  # as last reported through state_changed
        self._echo_until = 0.0  # time.monotonic() until which the input is still ignored
        self._deferred: list[str] = []  # announcements that came while the user spoke
        self._problems: dict[str, str] = {}
        # created on the worker's thread, in start()
        self._retry: QTimer | None = None
        self._pump_timer: QTimer | None = None

    def request_stop(self) -> None:
        """Ask the pumping to end (thread-safe; call from any thread before shutdown)."""
        self._quit.set()

    @Slot()
    def start(self) -> None:
        """Build the engine from the current settings and start reading the source."""
        self._retry = QTimer(self)
        self._retry.setInterval(RETRY_MS)
        self._retry.timeout.connect(self._retry_source)
        self._pump_timer = QTimer(self)
        self._pump_timer.setInterval(0)  # whenever the event loop is idle
        self._pump_timer.timeout.connect(self._tick)
        self._configure(self._settings)
        self._resume()

    @Slot()
    def _retry_source(self) -> None:
        """Look for the microphone again (a timer while there is none)."""
        engine = self._engine
        if engine is None or engine.source.running or self._quit.is_set():
            self._stop_retrying()
            return
        if self._start_source(engine, quiet=True):
            self._resume()

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        """Rebuild the engine for new settings (device, model, commands, mode)."""
        self._settings = settings
        self._configure(settings)
        self._resume()

    @Slot()
    def reload_commands(self) -> None:
        """Re-read the command files; on an error the previous commands stay."""
        if self._engine is None:
            self._configure(self._settings)
            self._resume()
            return
        try:
            commands = self._parts.commands(self._settings)
        except CommandsError as e:
            self._report(
                f"The commands were not reloaded: {e}. Fix the file, then reload again",
                Topic.COMMANDS,
            )
            return
        self._engine.reload(commands)
        self._share_commands(commands)
        self._report_left_out(commands)
        _LOGGER.info("commands reloaded")

    def _report_left_out(self, commands: CommandSet) -> None:
        """Report the command files left out for their errors, or clear an earlier report."""
        problems = commands.problems
        if not problems:
            self._solved(Topic.COMMANDS)
            return
        files = "\n".join(f"• {problem}" for problem in problems)
        self._report(
            f"A commands file has a mistake and was left out; the other commands work:\n{files}\n"
            "Fix it and choose Reload commands",
            Topic.COMMANDS,
        )

    def _share_commands(self, commands: CommandSet) -> None:
        # The skills' help lists example sentences of the grammar the engine recognises.
        if self._skills is not None:
            self._skills.commands = commands
        self.commands_changed.emit(commands)

    @Slot()
    def start_listening(self) -> None:
        """Begin an utterance (push-to-talk pressed); restarts a lost source first."""
        engine = self._engine
        if engine is None:
            self._report(
                "Cannot listen: the recogniser is not ready (see the message above)",
                Topic.RECOGNITION,
            )
            return
        if not engine.source.running and not self._start_source(engine):
            return
        # The user talks over the reply: stop it, and leave its sound out of the utterance.
        echo = self._mute_input()
        if self._speaker is not None and self._speaker.speaking():
            self._speaker.stop()
        self._speaking = False
        engine.muted = False
        engine.begin_utterance(preroll=not echo)
        self.state_changed.emit(State.LISTENING)
        self._resume()

    @Slot()
    def stop_listening(self) -> None:
        """End the utterance (push-to-talk released): recognise it and emit :attr:`final`."""
        engine = self._engine
        if engine is None or not engine.listening:
            return
        self.state_changed.emit(State.RECOGNIZING)
        try:
            turn = engine.end_utterance()
        except AudioError as e:
            self._lost_source(engine, e)
            return
        except AssistantError as e:
            _LOGGER.error("recognition failed", exc_info=True)
            self._report(f"Recognition failed: {e}", Topic.RECOGNITION)
            self.state_changed.emit(State.READY)
            return
        self._finish(turn)

    @Slot()
    def cancel_listening(self) -> None:
        """Drop the utterance being recorded (Escape) and stop speaking."""
        if self._speaker is not None and self._speaker.speaking():
            self._speaker.stop()
        engine = self._engine
        if engine is not None and engine.listening:
            engine.cancel_utterance()
            self.state_changed.emit(State.READY)

    @Slot(str)
    def speak(self, text: str) -> None:
        """Speak ``text`` when spoken replies are on (e.g. a timer's announcement); while the
        user is talking it waits until the utterance ends."""
        if self._speaker is None or not self._settings.spoken_replies:
            return
        if self._engine is not None and self._engine.listening:
            self._deferred.append(text)
            return
        try:
            self._speaker.speak(text)
        except Exception as e:  # speech output is optional: report, keep going
            _LOGGER.warning("speaking failed", exc_info=True)
            self._report(f"Cannot speak the reply: {e}", Topic.SPEECH)

    def _mute_input(self) -> bool:
        """Whether the microphone hears the assistant now (speaking, or just stopped)."""
        now = time.monotonic()
        if self._speaker is not None and self._speaker.speaking():
            self._echo_until = now + ECHO_TAIL_S
            return True
        return now < self._echo_until

    def _follow_speech(self, engine: Engine) -> None:
        """Mute the input while the assistant speaks and show that it speaks."""
        if engine.listening:
            return
        engine.muted = self._mute_input()
        speaking = self._speaker is not None and self._speaker.speaking()
        if speaking != self._speaking:
            self._speaking = speaking
            self.state_changed.emit(State.SPEAKING if speaking else State.READY)

    @Slot()
    def shutdown(self) -> None:
        """Stop pumping and close the source; emits :attr:`stopped`."""
        self._quit.set()
        self._stop_retrying()
        if self._pump_timer is not None:
            self._pump_timer.stop()
        if self._engine is not None:
            self._engine.stop()
            self._engine = None
        self.state_changed.emit(State.STOPPED)
        self.stopped.emit()

    def _resume(self) -> None:
        """Pump the engine while its source runs (no-op when already pumping)."""
        if self._pump_timer is not None and not self._pump_timer.isActive():
            self._pump_timer.start()

    @Slot()
    def _tick(self) -> None:
        """One block of the source; stops the timer once the source stops or :meth:`request_stop`
        is called."""
        engine = self._engine
        if self._quit.is_set() or engine is None or not engine.source.running:
            if self._pump_timer is not None:
                self._pump_timer.stop()
            return
        self._pump(engine)

    def _pump(self, engine: Engine) -> None:
        self._follow_speech(engine)
        try:
            update = engine.pump(READ_TIMEOUT_S)
        except AudioError as e:
            self._lost_source(engine, e)
            return
        except AssistantError as e:
            _LOGGER.error("recognition failed", exc_info=True)
            engine.cancel_utterance()
            self._report(f"Recognition failed: {e}", Topic.RECOGNITION)
            self.state_changed.emit(State.READY)
            return
        if update is None:
            return
        self.level.emit(update.level_dbfs)
        if update.started:
            self.state_changed.emit(State.LISTENING)
        if update.partial is not None:
            self.partial.emit(update.partial)
        if update.turn is not None:
            self._finish(update.turn)

    def _finish(self, turn: Turn) -> None:
        self.final.emit(turn)
        self._speaking = False
        self.state_changed.emit(State.READY)
        if turn.speak:
            self.speak(turn.reply)
        deferred, self._deferred = self._deferred, []
        for text in deferred:
            self.speak(text)

    def _report(self, message: str, topic: str) -> None:
        self._problems[topic] = message
        _LOGGER.warning("%s", message.replace("\n", " "))
        self.error.emit(message)
        self.problem.emit(topic, message)

    def _solved(self, topic: str) -> None:
        if self._problems.pop(topic, None) is not None:
            self.problem_solved.emit(topic)

    def _lost_source(self, engine: Engine, error: AudioError) -> None:
        _LOGGER.info("audio input lost", exc_info=True)
        was_listening = engine.listening
        engine.cancel_utterance()
        engine.source.stop()
        what = " while you were speaking; say that command again" if was_listening else ""
        self._report(
            f"The microphone stopped{what}: {error}. The assistant listens again as soon as it "
            "is back (or choose another input in Settings)",
            Topic.AUDIO,
        )
        self.level.emit(-100.0)
        self.state_changed.emit(State.NO_AUDIO)
        self._start_retrying()

    def _start_source(self, engine: Engine, *, quiet: bool = False) -> bool:
        """Start the engine's source; on failure report it (once) and look again later."""
        try:
            engine.start()
        except NoInputDeviceError as e:
            _LOGGER.debug("no audio input", exc_info=True)
            self._no_source(
                f"{e}. Plug one in: the assistant starts listening as soon as it appears "
                "(or choose another input in Settings)",
                quiet=quiet,
            )
            return False
        except AudioError as e:
            _LOGGER.debug("cannot start the audio input", exc_info=True)
            self._no_source(f"{e}", quiet=quiet)
            return False
        self._stop_retrying()
        self._solved(Topic.AUDIO)
        self._speaking = False
        self.state_changed.emit(State.READY)
        return True

    def _no_source(self, message: str, *, quiet: bool) -> None:
        if not (quiet and self._problems.get(Topic.AUDIO) == message):  # not on every retry
            self._report(message, Topic.AUDIO)
        if not quiet:
            self.level.emit(-100.0)
            self.state_changed.emit(State.NO_AUDIO)
        self._start_retrying()

    def _start_retrying(self) -> None:
        if self._retry is not None and not self._retry.isActive() and not self._quit.is_set():
            self._retry.start()

    def _stop_retrying(self) -> None:
        if self._retry is not None:
            self._retry.stop()

    def _configure(self, settings: Settings) -> None:
        self.state_changed.emit(State.STARTING)
        if self._engine is not None:
            self._engine.stop()
            self._engine = None
        self._stop_retrying()
        try:
            model = self._parts.model(settings)
        except ModelError as e:
            self._report(
                f"Cannot load the speech model: {e}. Choose a model file in Settings, or "
                "reinstall the app to restore the bundled one",
                Topic.MODEL,
            )
            self.state_changed.emit(State.NO_MODEL)
            return
        self._solved(Topic.MODEL)
        try:
            commands = self._parts.commands(settings)
        except CommandsError as e:
            self._report(
                f"A commands file is broken: {e}. Using the built-in commands until you fix it "
                "and choose Reload commands (or remove the file in Settings)",
                Topic.COMMANDS,
            )
            commands = CommandSet([BUILTIN_DIR])
        else:
            self._report_left_out(commands)
        self._share_commands(commands)
        config = EngineConfig(
            hands_free=settings.hands_free,
            understanding=UnderstandOptions(sensitivity=settings.sensitivity),
        )
        try:
            calibration = load_calibration(
                Path(settings.model_path) if settings.model_path else None
            )
        except CommandsError as e:
            self._report(f"{e}. Using the bundled model's confidence calibration", Topic.MODEL)
            calibration = load_calibration()
        try:
            source = self._parts.source(settings)
        except AudioError as e:
            self._no_source(f"{e}", quiet=False)
            return
        self._engine = Engine(source, model, commands, self._skills, config, calibration)
        if self._start_source(self._engine):
            self._engine.warm_up()
