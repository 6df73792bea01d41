"""Speaking replies with an installed text-to-speech program, off the caller's thread.

Engines, in order of preference: ``espeak-ng`` (text on stdin), ``pico2wave`` (writes a WAV,
played with ``paplay`` or ``aplay``), ``flite`` (text as the value of ``-t``). Every command is an
argv list; the text is never parsed by a shell. Without any engine the speaker logs once and
stays silent.
"""

from __future__ import annotations

import logging
import queue
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import SpeechOutputError

_LOGGER = logging.getLogger(__name__)

ENGINES = ("espeak-ng", "pico2wave", "flite")
"""Supported engines, most preferred first."""
ENGINE_CHOICES = ("auto", *ENGINES, "none")
"""Values of the engine preference: auto picks the first installed, none never speaks."""
PLAYERS = ("paplay", "aplay")
"""WAV players for pico2wave, most preferred first."""
SYNTH_TIMEOUT_S = 60.0
"""Seconds :meth:`Speaker.synthesize` waits for an engine before giving up."""

Which = Callable[[str], str | None]


@dataclass(frozen=True)
class Step:
    """One program run of an utterance."""

    argv: tuple[str, ...]
    """The program and its arguments."""
    stdin: str | None = None
    """Text written to its standard input, or None."""


def plan(engine: str, text: str, wav: Path, *, player: str | None = None) -> list[Step]:
    """The runs that say ``text`` aloud with ``engine``, or with ``player`` None write ``wav``.

    When speaking, pico2wave still needs a file: ``wav`` is then its scratch file, which
    ``player`` plays; the other engines play directly and ignore ``player``.
    """
    play = player is not None
    if engine == "espeak-ng":
        out = () if play else ("-w", str(wav))
        return [Step(("espeak-ng", *out, "--stdin"), stdin=text)]
    if engine == "flite":
        out = () if play else ("-o", str(wav))
        return [Step(("flite", "-t", text, *out))]
    if engine == "pico2wave":
        # "--" ends pico2wave's options, so a text starting with "-" stays text.
        steps = [Step(("pico2wave", "-w", str(wav), "--", text))]
        return [*steps, Step((player, str(wav)))] if player is not None else steps
    raise ValueError(f"unknown engine {engine!r}: expected one of {ENGINES}")


class Speaker:
    """Speaks texts one after another on a background thread; :meth:`stop` cuts it short."""

    def __init__(self, engine: str = "auto", *, which: Which = shutil.which) -> None:
        """Use ``engine`` (one of :data:`ENGINE_CHOICES`) if installed; ``which`` finds programs."""
        if engine not in ENGINE_CHOICES:
            raise ValueError(f"unknown TTS engine {engine!r}: expected one of {ENGINE_CHOICES}")
        self._which = which
        self.engine = self._find_engine(engine)
        """The engine used, or None when nothing can speak."""
        self._player = next((p for p in PLAYERS if which(p)), None)
        self._paths = {p: which(p) for p in (*ENGINES, *PLAYERS)}
        self._queue: queue.Queue[tuple[int, str] | None] = queue.Queue()
        self._lock = threading.Lock()
        self._generation = 0
        self._process: subprocess.Popen[str] | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._thread: threading.Thread | None = None
        self._warned = False

    def _find_engine(self, preference: str) -> str | None:
        if preference == "auto":
            candidates: tuple[str, ...] = ENGINES
        else:
            candidates = () if preference == "none" else (preference,)
        for name in candidates:
            if self._which(name) is not None:
                return name
        return None

    def available(self) -> bool:
        """Whether an engine (and for pico2wave a player) is installed."""
        return self.engine is not None and (self.engine != "pico2wave" or bool(self._player))

    def speak(self, text: str) -> None:
        """Queue ``text`` to be spoken after what is queued already; returns at once."""
        if not text.strip():
            return
        if not self.available():
            if not self._warned:
                _LOGGER.warning("no text-to-speech engine installed (tried %s)", ", ".join(ENGINES))
                self._warned = True
            return
        with self._lock:
            self._idle.clear()
            self._queue.put((self._generation, text))
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="speaker", daemon=True)
                self._thread.start()

    def stop(self) -> None:
        """Stop what is being said and drop everything queued."""
        with self._lock:
            self._generation += 1
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()

    def speaking(self) -> bool:
        """Whether something is being said or waits to be said."""
        return not self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued is said (or dropped); False on a timeout."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop speaking and end the background thread."""
        self.stop()
        with self._lock:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
        if thread is not None:
            thread.join(timeout=5.0)

    def synthesize(self, text: str, wav: Path) -> None:
        """Write ``text`` as speech to the WAV file ``wav`` (blocking); raises SpeechOutputError."""
        if self.engine is None:
            raise SpeechOutputError(f"no text-to-speech engine installed (tried {ENGINES})")
        for step in plan(self.engine, text, Path(wav)):
            try:
                subprocess.run(
                    self._resolved(step.argv),
                    input=step.stdin,
                    text=True,
                    check=True,
                    capture_output=True,
                    timeout=SYNTH_TIMEOUT_S,
                )
            except subprocess.CalledProcessError as e:
                raise SpeechOutputError(f"{self.engine} failed: {e.stderr.strip() or e}") from e
            except (OSError, subprocess.SubprocessError) as e:
                raise SpeechOutputError(f"cannot run {self.engine}: {e}") from e

    def _resolved(self, argv: tuple[str, ...]) -> list[str]:
        """``argv`` with the program as the full path found (the one checked at start-up)."""
        return [self._paths.get(argv[0]) or argv[0], *argv[1:]]

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            generation, text = item
            try:
                self._say(generation, text)
            except Exception:  # a thread boundary: log and keep serving the queue
                _LOGGER.exception("speaking %r failed", text)
            with self._lock:
                if self._queue.empty():
                    self._idle.set()

    def _say(self, generation: int, text: str) -> None:
        engine = self.engine
        if engine is None:
            return
        with tempfile.TemporaryDirectory(prefix="assistant-tts-") as scratch:
            for step in plan(engine, text, Path(scratch) / "speech.wav", player=self._player or ""):
                with self._lock:
                    if generation != self._generation:
                        return  # stopped while queued or between steps
                    self._process = subprocess.Popen(
                        self._resolved(step.argv),
                        stdin=subprocess.PIPE if step.stdin is not None else subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE,
                        text=True,
                    )
                    process = self._process
                _, stderr = process.communicate(step.stdin)
                with self._lock:
                    self._process = None
                if process.returncode != 0 and generation == self._generation:
                    _LOGGER.warning(
                        "%s exited with %d: %s", step.argv[0], process.returncode, stderr.strip()
                    )
                    return
