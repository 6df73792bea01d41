"""The worker: a QObject living on a QThread that owns the engine and its audio source.

While a source runs, :meth:`Worker.run` reads it block by block (a blocking queue read with a
short timeout, never a sleep) and, between blocks, lets Qt deliver the slots queued by the GUI
(start/stop listening, new settings). Everything it learns goes out through signals, errors
included; the GUI thread only draws.
"""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from assistant.audio.sources import AudioSource
from assistant.commands.errors import CommandsError
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.decoding.words import common_words_graph
from assistant.engine import AcousticModel, Engine, EngineConfig, SkillHandler, Turn
from assistant.errors import AssistantError, AudioError, ModelError
from assistant.gui.settings import Settings

_LOGGER = logging.getLogger(__name__)

READ_TIMEOUT_S = 0.05
"""Longest wait for an audio block; also the longest delay before a queued slot runs."""


class Speaker(Protocol):
    """Speaks replies aloud (``assistant.speech_out.Speaker`` or a test double)."""

    def speak(self, text: str) -> None:
        """Say ``text``."""
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


class State:
    """Values of :attr:`Worker.state_changed`."""

    READY = "ready"
    LISTENING = "listening"
    RECOGNIZING = "recognizing"
    NO_AUDIO = "no audio input"
    NO_MODEL = "no model"
    STOPPED = "stopped"


class Worker(QObject):
    """Owns engine and source on its thread; all methods but :meth:`request_stop` are slots."""

    partial = Signal(str)
    """Live transcript of the utterance being recorded."""
    final = Signal(object)
    """A finished :class:`~assistant.engine.Turn`."""
    level = Signal(float)
    """Input level of the latest block, dBFS."""
    error = Signal(str)
    """What went wrong and what to do, for the window."""
    state_changed = Signal(str)
    """One of the :class:`State` values."""
    stopped = Signal()
    """Emitted by :meth:`shutdown` once the source is closed."""

    def __init__(
        self,
        parts: EngineParts,
        settings: Settings,
        *,
        skills: SkillHandler | None = None,
        speaker: Speaker | None = None,
    ) -> None:
        """A worker that builds its engine from ``parts`` and ``settings`` when started."""
        super().__init__()
        self._parts = parts
        self._settings = settings
        self._skills = skills
        self._speaker = speaker
        self._engine: Engine | None = None
        self._running = False
        self._quit = threading.Event()

    def request_stop(self) -> None:
        """Ask the read loop to end (thread-safe; call from any thread before shutdown)."""
        self._quit.set()

    @Slot()
    def start(self) -> None:
        """Build the engine from the current settings and start reading the source."""
        self._configure(self._settings)
        self.run()

    @Slot(object)
    def apply_settings(self, settings: Settings) -> None:
        """Rebuild the engine for new settings (device, model, commands, mode)."""
        self._settings = settings
        self._configure(settings)
        self.run()

    @Slot()
    def reload_commands(self) -> None:
        """Re-read the command files; on an error the previous commands stay."""
        if self._engine is None:
            self._configure(self._settings)
            self.run()
            return
        try:
            self._engine.commands = self._parts.commands(self._settings)
        except CommandsError as e:
            self._report(f"The commands were not reloaded: {e}. Fix the file, then reload again")
            return
        self._share_commands(self._engine.commands)
        _LOGGER.info("commands reloaded")

    def _share_commands(self, commands: CommandSet) -> None:
        # The skills' help lists example sentences of the grammar the engine recognises.
        if hasattr(self._skills, "commands"):
            self._skills.commands = commands  # type: ignore[union-attr]

    @Slot()
    def start_listening(self) -> None:
        """Begin an utterance (push-to-talk pressed); restarts a lost source first."""
        engine = self._engine
        if engine is None:
            self._report("Cannot listen: the recogniser is not ready (see the message above)")
            return
        if not engine.source.running and not self._start_source(engine):
            return
        engine.begin_utterance()
        self.state_changed.emit(State.LISTENING)
        self.run()

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
            self._report(f"Recognition failed: {e}")
            self.state_changed.emit(State.READY)
            return
        self._finish(turn)

    @Slot(str)
    def speak(self, text: str) -> None:
        """Speak ``text`` when spoken replies are on (e.g. a timer's announcement)."""
        if self._speaker is None or not self._settings.spoken_replies:
            return
        try:
            self._speaker.speak(text)
        except Exception as e:  # speech output is optional: report, keep going
            _LOGGER.warning("speaking failed", exc_info=True)
            self._report(f"Cannot speak the reply: {e}")

    @Slot()
    def shutdown(self) -> None:
        """Stop the loop and close the source; emits :attr:`stopped`."""
        self._quit.set()
        if self._engine is not None:
            self._engine.stop()
            self._engine = None
        self.state_changed.emit(State.STOPPED)
        self.stopped.emit()

    def run(self) -> None:
        """Read the source until it stops, fails or :meth:`request_stop` is called."""
        if self._running:  # already looping further up this thread's stack
            return
        self._running = True
        try:
            while not self._quit.is_set():
                engine = self._engine
                if engine is None or not engine.source.running:
                    break
                self._pump(engine)
                # Deliver the GUI's queued slot calls between blocks.
                QCoreApplication.processEvents()
        finally:
            self._running = False

    def _pump(self, engine: Engine) -> None:
        try:
            update = engine.pump(READ_TIMEOUT_S)
        except AudioError as e:
            self._lost_source(engine, e)
            return
        except AssistantError as e:
            _LOGGER.error("recognition failed", exc_info=True)
            engine.cancel_utterance()
            self._report(f"Recognition failed: {e}")
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
        self.state_changed.emit(State.READY)
        if turn.speak:
            self.speak(turn.reply)

    def _report(self, message: str) -> None:
        _LOGGER.warning("%s", message)
        self.error.emit(message)

    def _lost_source(self, engine: Engine, error: AudioError) -> None:
        _LOGGER.error("audio input lost", exc_info=True)
        was_listening = engine.listening
        engine.cancel_utterance()
        engine.source.stop()
        what = "while recording; that command was lost" if was_listening else ""
        self._report(f"Audio input lost {what}: {error}".replace("  ", " "))
        self.level.emit(-100.0)
        self.state_changed.emit(State.NO_AUDIO)

    def _start_source(self, engine: Engine) -> bool:
        try:
            engine.start()
        except AudioError as e:
            _LOGGER.warning("cannot start the audio input", exc_info=True)
            self._report(f"No audio input: {e}")
            self.state_changed.emit(State.NO_AUDIO)
            return False
        self.state_changed.emit(State.READY)
        return True

    def _configure(self, settings: Settings) -> None:
        if self._engine is not None:
            self._engine.stop()
            self._engine = None
        try:
            model = self._parts.model(settings)
        except ModelError as e:
            self._report(
                f"Cannot load the speech model: {e}. Choose a model file in Settings, or "
                "reinstall the app to restore the bundled one"
            )
            self.state_changed.emit(State.NO_MODEL)
            return
        try:
            commands = self._parts.commands(settings)
        except CommandsError as e:
            self._report(
                f"A commands file is broken: {e}. Using the built-in commands until you fix it "
                "and press Reload commands (or remove the file in Settings)"
            )
            commands = CommandSet([BUILTIN_DIR])
        self._share_commands(commands)
        config = EngineConfig(hands_free=settings.hands_free)
        try:
            source = self._parts.source(settings)
        except AudioError as e:
            self._report(f"No audio input: {e}")
            self.state_changed.emit(State.NO_AUDIO)
            return
        self._engine = Engine(source, model, commands, self._skills, config)
        if self._start_source(self._engine):
            # built once per process, now rather than in the first note or named timer
            common_words_graph()
