#!/usr/bin/env python3
"""Save the README's screenshots of the real app under Xvfb: docs/screenshot.png (a session of
synthesized speech), docs/screenshot_dark.png (the same in the dark theme),
docs/screenshot_no_microphone.png (no microphone and a user's command file with a mistake) and
docs/screenshot_settings.png (the settings dialog).

    .venv/bin/python scripts/screenshot.py [--model PATH] [--out-dir DIR] [--only NAME ...]

Nothing in the picture is staged. The script starts the app as ``assistant.gui.app`` wires it
(window, worker thread, engine, ONNX recogniser, built-in commands, built-in skills), except
that the skills keep their data in a temporary folder, replies are not spoken, what the skills
would do to the desktop (volume, programs, web pages) is printed instead of done, and the
microphone is a source that hears silence until it is given an utterance. The utterances are
synthesized with pico2wave (espeak-ng when it is missing), a voice the model was not trained
on. Each is said the way a user says it: hold the space bar, wait until the app listens,
speak, release, wait for the reply. What was heard, the confidences, the timings and the timer
are whatever the session produced, misrecognitions included; stdout lists them.

The no-microphone picture uses a source that reports no microphone exactly as the real one
does when none is connected; the command file with a mistake is a real file, loaded the way
the app loads the user's files.

Without a display it re-runs itself under ``xvfb-run`` (apt-get install xvfb).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Runs from a checkout that is not installed, too: the imports below need the repository root.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QObject, Qt, QTimer, Signal, Slot  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402

from assistant.audio.files import load_audio  # noqa: E402
from assistant.audio.sources import (  # noqa: E402
    BLOCK_MS,
    QUEUE_SECONDS,
    STALL_TIMEOUT_S,
    AudioSource,
    ThreadFedSource,
)
from assistant.commands.grammar import BUILTIN_DIR  # noqa: E402
from assistant.engine import Turn  # noqa: E402
from assistant.errors import NoInputDeviceError  # noqa: E402
from assistant.features import SAMPLE_RATE  # noqa: E402
from assistant.gui.app import Controller, DefaultParts, input_devices  # noqa: E402
from assistant.gui.settings import Settings  # noqa: E402
from assistant.gui.settings_dialog import SettingsDialog  # noqa: E402
from assistant.gui.theme import DARK, LIGHT, Theme, ThemeFollower  # noqa: E402
from assistant.gui.window import MainWindow  # noqa: E402
from assistant.gui.worker import State, Worker  # noqa: E402
from assistant.skills.dispatch import Skills, SkillsConfig  # noqa: E402

UTTERANCES = (
    "set a timer for ten minutes",
    "what time is it",
    "what is seven times eight",
    "tell me a joke",
    "play some jazz",  # not a command: the app should say it did not catch that
)
"""What the synthetic user says, in order."""
SHOTS = ("screenshot", "screenshot_dark", "screenshot_no_microphone", "screenshot_settings")
"""The pictures made, as file names without .png."""
BROKEN_COMMANDS = """\
intents:
  Lights:
    - "turn (on | off) the (kitchen | hall lights"
"""
"""A user's command file with a mistake (a bracket not closed), for the no-microphone picture."""
WINDOW_SIZE = (860, 600)
"""Width and height of the window in the screenshot, in pixels."""
TRAILING_SILENCE_S = 0.3
"""Silence after each utterance before the button is released (people let go a bit late)."""
START_TIMEOUT_S = 120.0
"""Longest wait for the worker to load the model and open the source."""
STEP_TIMEOUT_S = 60.0
"""Longest wait for one step of a turn (listening, the audio played, the reply)."""


@dataclass(frozen=True)
class Utterance:
    """One synthesized command."""

    text: str
    """What was synthesized."""
    audio: np.ndarray
    """The speech, SAMPLE_RATE (16 kHz) mono float32."""


def synthesize(texts: Sequence[str], folder: Path) -> tuple[str, list[Utterance]]:
    """Synthesize ``texts`` with pico2wave (else espeak-ng); the engine's name and the audio."""
    pico, espeak = shutil.which("pico2wave"), shutil.which("espeak-ng")
    if pico is None and espeak is None:
        raise RuntimeError("no TTS engine: install pico2wave (libttspico-utils) or espeak-ng")
    utterances = []
    for index, text in enumerate(texts):
        wav = folder / f"utterance_{index}.wav"  # pico2wave wants a .wav name
        if pico is not None:
            command = [pico, "-l", "en-US", "-w", str(wav), text]
        else:
            command = [str(espeak), "-w", str(wav), text]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{command[0]} failed on {text!r}: {done.stderr.strip()}")
        utterances.append(Utterance(text, load_audio(wav, SAMPLE_RATE)))
    return ("pico2wave" if pico is not None else "espeak-ng"), utterances


class ScriptedMicrophone(ThreadFedSource):
    """A quiet microphone that plays an utterance into itself when told to; real-time paced.

    It shares the microphone's queue path (``ThreadFedSource``): a feeder thread puts one
    (frames, 1) float32 block per ``BLOCK_MS`` on the queue, as PortAudio's callback does.
    """

    def __init__(self, on_played: Callable[[], None]) -> None:
        """A source that calls ``on_played`` (on its thread) after each utterance."""
        super().__init__(
            "synthesized speech",
            block_ms=BLOCK_MS,
            queue_seconds=QUEUE_SECONDS,
            stall_timeout_s=STALL_TIMEOUT_S,
        )
        self._on_played = on_played
        self._pending: queue.Queue[np.ndarray] = queue.Queue()

    def say(self, audio: np.ndarray) -> None:
        """Play SAMPLE_RATE mono float32 ``audio`` into the microphone next."""
        self._pending.put(np.asarray(audio, dtype=np.float32))

    def start(self) -> None:
        """Start delivering silence (and the utterances, once given)."""
        self.stop()
        self._reset(SAMPLE_RATE)
        self._start_feeding(self._feed)

    def _feed(self) -> None:
        frames = SAMPLE_RATE * self.block_ms // 1000
        silence = np.zeros((frames, 1), dtype=np.float32)
        speech: np.ndarray | None = None
        position = 0
        deadline = time.monotonic()
        while not self._stop_event.is_set():
            if speech is None:
                with contextlib.suppress(queue.Empty):
                    speech, position = self._pending.get_nowait(), 0
            block = silence
            if speech is not None:
                chunk = speech[position : position + frames]
                position += frames
                block = silence.copy()
                block[: chunk.size, 0] = chunk  # the last block is padded with silence
            # Pace against a deadline, as WavFileSource does, so the rate does not drift.
            deadline += frames / SAMPLE_RATE
            if self._stop_event.wait(max(0.0, deadline - time.monotonic())):
                break
            self._callback(block, frames, None, None)
            if speech is not None and position >= speech.size:
                speech = None
                self._on_played()
        self._on_finished()


class MissingMicrophone(ThreadFedSource):
    """A source with no device behind it: starting it fails as MicrophoneSource fails when no
    microphone is connected."""

    def __init__(self) -> None:
        """A source that never starts."""
        super().__init__(
            "default input",
            block_ms=BLOCK_MS,
            queue_seconds=QUEUE_SECONDS,
            stall_timeout_s=STALL_TIMEOUT_S,
        )

    def start(self) -> None:
        """Fail as a missing microphone does."""
        raise NoInputDeviceError("No microphone is connected")


class Sandbox:
    """Stands in for the skills' effects on the desktop (volume, programs, web pages).

    A misheard "mute" or "open the browser" must not change the volume or open windows on
    the machine that makes the screenshot. The skills still decide and reply as usual; what
    they would have run is printed instead.
    """

    def __init__(self) -> None:
        """An empty record."""
        self.actions: list[str] = []

    def run(self, argv: Sequence[str]) -> None:
        """Record a command the volume skill or the app launcher would run."""
        self.actions.append(" ".join(argv))

    def open_url(self, url: str) -> bool:
        """Record a web page the skills would open; it counts as opened."""
        self.actions.append(f"open {url}")
        return True

    def take(self) -> list[str]:
        """The actions recorded since the last call."""
        actions, self.actions = self.actions, []
        return actions


class ScriptedParts(DefaultParts):
    """The app's engine parts (model, commands) with a scripted microphone."""

    def __init__(self, microphone: AudioSource) -> None:
        """Parts whose source is ``microphone``."""
        self.microphone = microphone

    def source(self, settings: Settings) -> AudioSource:
        """The scripted microphone."""
        return self.microphone


class Session(QObject):
    """Receives the worker's reports on the GUI thread and waits for them (no sleeps)."""

    audio_played = Signal()
    """The microphone finished an utterance (emitted from its thread, delivered queued)."""

    def __init__(self, worker: Worker) -> None:
        """Listen to ``worker``'s signals."""
        super().__init__()
        self.state = ""
        self.turns: list[Turn] = []
        self.errors: list[str] = []
        self.played = 0
        self._loop: QEventLoop | None = None
        self._until: Callable[[], bool] = lambda: True
        worker.state_changed.connect(self._on_state)
        worker.final.connect(self._on_final)
        worker.error.connect(self._on_error)
        self.audio_played.connect(self._on_played)

    def wait(self, until: Callable[[], bool], what: str, timeout_s: float) -> None:
        """Run the event loop until ``until()`` holds; RuntimeError after ``timeout_s``."""
        if until():
            return
        loop = QEventLoop()
        timer = QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        timer.start(int(timeout_s * 1000))
        self._loop, self._until = loop, until
        loop.exec()
        self._loop = None
        timer.stop()
        if not until():
            errors = f" ({'; '.join(self.errors)})" if self.errors else ""
            raise RuntimeError(f"no {what} within {timeout_s:.0f} s; state {self.state!r}{errors}")

    def _check(self) -> None:
        if self._loop is not None and self._until():
            self._loop.quit()

    @Slot(str)
    def _on_state(self, state: str) -> None:
        self.state = state
        if state in (State.NO_MODEL, State.NO_AUDIO) and self._loop is not None:
            self._loop.quit()  # it will not get better: wait() reports it
        self._check()

    @Slot(object)
    def _on_final(self, turn: Turn) -> None:
        self.turns.append(turn)
        self._check()

    @Slot(str)
    def _on_error(self, message: str) -> None:
        self.errors.append(message)
        print(f"screenshot: the app reports: {message}", file=sys.stderr)
        self._check()

    @Slot()
    def _on_played(self) -> None:
        self.played += 1
        self._check()


def _talk(session: Session, window: MainWindow, mic: ScriptedMicrophone, audio: np.ndarray) -> Turn:
    """One push-to-talk turn as a user does it: hold space, speak once listening, release."""
    played, turns = session.played, len(session.turns)
    QTest.keyPress(window, Qt.Key.Key_Space)
    session.wait(lambda: session.state == State.LISTENING, "listening", STEP_TIMEOUT_S)
    pause = np.zeros(int(TRAILING_SILENCE_S * SAMPLE_RATE), np.float32)
    mic.say(np.concatenate([audio, pause]))
    session.wait(lambda: session.played > played, "end of the audio", STEP_TIMEOUT_S)
    QTest.keyRelease(window, Qt.Key.Key_Space)
    # The worker emits the turn, then READY: wait for both, so the next press starts clean.
    session.wait(
        lambda: len(session.turns) > turns and session.state == State.READY,
        "reply",
        STEP_TIMEOUT_S,
    )
    return session.turns[-1]


def _report(utterance: Utterance, turn: Turn, actions: Sequence[str]) -> None:
    result = turn.result
    slots = ", ".join(f"{name}={value}" for name, value in result.slots.items())
    meaning = f"{result.intent}({slots})" if result.intent else "rejected"
    lines = [
        f"said:  {utterance.text!r} ({utterance.audio.size / SAMPLE_RATE:.1f} s)",
        f"heard: {turn.heard!r}",
        f"  -> {meaning}, confidence {result.confidence:.2f}, "
        f"{turn.timings.to_intent_ms:.0f} ms to intent; reply {turn.reply!r}",
        *(f"  (not carried out: {action})" for action in actions),
    ]
    print("\n".join(lines), flush=True)


def _save(widget: QWidget, out: Path) -> bool:
    # Let queued slots run and layouts settle (a longer banner text resizes the window's
    # parts only on a later pass of the event loop).
    loop = QEventLoop()
    QTimer.singleShot(300, loop.quit)
    loop.exec()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(out)):
        print(f"screenshot: cannot write {out}", file=sys.stderr)
        return False
    print(out, flush=True)
    return True


def _settings(model: Path | None, *extra: Path) -> Settings:
    # Only the built-in commands (not the user's commands folder); nothing spoken.
    return Settings(
        model_path=str(model) if model is not None else None,
        builtin_commands=False,
        command_files=(str(BUILTIN_DIR), *map(str, extra)),
        spoken_replies=False,
    )


def _shoot_no_microphone(model: Path | None, out: Path, theme: ThemeFollower) -> int:
    """The window as it opens without a microphone and with a broken command file."""
    with tempfile.TemporaryDirectory(prefix="screenshot-") as tmp:
        broken = Path(tmp) / "my_commands.yaml"
        broken.write_text(BROKEN_COMMANDS, encoding="utf-8")
        settings = _settings(model, broken)
        skills = Skills(SkillsConfig(data_dir=Path(tmp) / "data", spoken_replies=False))
        window = MainWindow(settings, timers=skills.timers, theme=theme.theme)
        worker = Worker(ScriptedParts(MissingMicrophone()), settings, skills=skills)
        controller = Controller(window, worker, Path(tmp) / "settings.json")
        session = Session(worker)
        window.resize(*WINDOW_SIZE)
        window.show()
        try:
            controller.start()
            session.wait(lambda: session.state == State.NO_AUDIO, "no audio", START_TIMEOUT_S)
            return 0 if _save(window, out) else 1
        except RuntimeError as e:
            print(f"screenshot: {e}", file=sys.stderr)
            return 1
        finally:
            controller.shutdown()
            skills.close()
            window.close()


def _shoot_settings(model: Path | None, out: Path, theme: ThemeFollower) -> int:
    """The settings dialog as a new user first sees it (the default settings)."""
    settings = Settings(model_path=str(model) if model is not None else None)
    window = MainWindow(settings, theme=theme.theme)
    window.resize(*WINDOW_SIZE)
    window.show()
    dialog = SettingsDialog(settings, input_devices(), window)
    dialog.show()
    QApplication.processEvents()
    try:
        return 0 if _save(dialog, out) else 1
    finally:
        dialog.close()
        window.close()


def _shoot(
    model: Path | None,
    outs: dict[Theme, Path],
    utterances: Sequence[Utterance],
    theme: ThemeFollower,
) -> int:
    """Run the app through ``utterances`` and save the window in each theme of ``outs``."""
    app = QApplication.instance()
    settings = _settings(model)
    played: list[Callable[[], None]] = []  # the session's signal, once it exists
    mic = ScriptedMicrophone(lambda: played[0]())
    with tempfile.TemporaryDirectory(prefix="screenshot-") as tmp:
        # As assistant.gui.app.run_app wires them, minus the speaker and the desktop.
        sandbox = Sandbox()
        skills = Skills(
            SkillsConfig(data_dir=Path(tmp) / "data", spoken_replies=False),
            runner=sandbox.run,
            launcher=sandbox.run,
            open_url=sandbox.open_url,
        )
        window = MainWindow(settings, timers=skills.timers, theme=theme.theme)
        worker = Worker(ScriptedParts(mic), settings, skills=skills)
        controller = Controller(window, worker, Path(tmp) / "settings.json")
        skills.add_listener(lambda reply: controller.announced.emit(reply.text))
        session = Session(worker)
        played.append(session.audio_played.emit)
        window.resize(*WINDOW_SIZE)
        window.show()
        try:
            controller.start()
            session.wait(lambda: session.state == State.READY, "ready app", START_TIMEOUT_S)
            for utterance in utterances:
                turn = _talk(session, window, mic, utterance.audio)
                _report(utterance, turn, sandbox.take())
            if app is not None:
                app.processEvents()  # the window's queued slots for the last signals
            for look, out in outs.items():
                theme.apply(look)
                QApplication.processEvents()
                if not _save(window, out):
                    return 1
        except RuntimeError as e:
            print(f"screenshot: {e}", file=sys.stderr)
            return 1
        finally:
            controller.shutdown()
            skills.close()
            window.close()
    return 0


def main() -> int:
    """Parse the arguments; re-run under xvfb-run when there is no display."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out-dir", type=Path, default=ROOT / "docs", help="folder of the PNG files (docs/)"
    )
    parser.add_argument(
        "--only",
        choices=SHOTS,
        nargs="+",
        default=list(SHOTS),
        help="make only these pictures (default: all)",
    )
    parser.add_argument(
        "--model", type=Path, default=None, help="ONNX acoustic model (default: the bundled one)"
    )
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("QT_QPA_PLATFORM"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("screenshot: no display and no xvfb-run (apt-get install xvfb)", file=sys.stderr)
            return 2
        command = [xvfb, "-a", "-s", "-screen 0 1280x800x24", sys.executable, *sys.argv]
        return subprocess.run(command, check=False).returncode
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    app = QApplication(sys.argv[:1])
    theme = ThemeFollower(app, forced=LIGHT)  # the same picture whatever the desktop's scheme
    shots = {name: args.out_dir / f"{name}.png" for name in args.only}
    status = 0
    if "screenshot_no_microphone" in shots:
        status |= _shoot_no_microphone(args.model, shots["screenshot_no_microphone"], theme)
    if "screenshot_settings" in shots:
        status |= _shoot_settings(args.model, shots["screenshot_settings"], theme)
    outs = {LIGHT: shots.get("screenshot"), DARK: shots.get("screenshot_dark")}
    conversation = {look: out for look, out in outs.items() if out is not None}
    if conversation:
        with tempfile.TemporaryDirectory(prefix="screenshot-tts-") as tmp:
            try:
                engine, utterances = synthesize(UTTERANCES, Path(tmp))
            except RuntimeError as e:
                print(f"screenshot: {e}", file=sys.stderr)
                return 1
        print(f"speech: {engine}; model: {args.model or 'bundled'}", flush=True)
        status |= _shoot(args.model, conversation, utterances, theme)
    return status


if __name__ == "__main__":
    sys.exit(main())
