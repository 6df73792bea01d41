"""What the assistant does with a recognised command: :class:`Skills` turns it into a reply.

Each intent maps to a small skill module (clock, timers, calculator, apps, volume, notes, jokes,
help); this module only dispatches, remembers the last reply for "repeat", and hands replies
that arrive later (a timer ending) to listeners and, when enabled, to the speaker.
"""

from __future__ import annotations

import logging
import math
import shutil
import threading
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from assistant import paths
from assistant.commands.expression import SlotKind
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import RecognitionResult
from assistant.commands.matcher import SlotValue
from assistant.skills.apps import DEFAULT_URLS, AppLauncher, UrlOpener, default_apps
from assistant.skills.calculator import calculate
from assistant.skills.clock import date_reply, time_reply
from assistant.skills.errors import NotesError, SkillsConfigError
from assistant.skills.help import help_reply
from assistant.skills.jokes import JokeTeller
from assistant.skills.notes import NoteStore, read_back
from assistant.skills.process import Runner, run_checked, spawn_detached
from assistant.skills.timers import Timer, TimerManager, describe_duration
from assistant.skills.volume import VolumeAction, VolumeControl

_LOGGER = logging.getLogger(__name__)

NOT_CAUGHT = "Sorry, I didn't catch that."
"""The reply to a rejected command."""


@dataclass(frozen=True)
class Reply:
    """What the assistant answers to one command (or says on its own, like a timer ending)."""

    text: str
    """The short answer, one or two sentences, e.g. ``"It's 3:05 PM."``."""
    intent: str | None
    """The intent it answers; None for a rejected command."""
    speak: bool = True
    """Whether to say it aloud (False for "stop", which should end in silence)."""
    data: Mapping[str, object] = field(default_factory=dict)
    """Structured details for a GUI or tests, e.g. ``{"result": 56}``; JSON-ready values."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: text, intent, speak, data."""
        return {
            "text": self.text,
            "intent": self.intent,
            "speak": self.speak,
            "data": dict(self.data),
        }


@dataclass(frozen=True)
class SkillsConfig:
    """Settings of the built-in skills."""

    data_dir: Path = field(default_factory=paths.data_dir)
    """Folder for the notes file (created on the first note)."""
    apps: Mapping[str, Sequence[str]] = field(default_factory=default_apps)
    """Spoken app name (an ``app`` list value) -> argv started without a shell."""
    urls: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_URLS))
    """Spoken name -> http(s) URL opened in the web browser."""
    spoken_replies: bool = False
    """Say replies aloud through the speaker given to :class:`Skills`."""

    def __post_init__(self) -> None:
        """Check the allow-lists; raises SkillsConfigError naming the entry."""
        for name, argv in self.apps.items():
            if isinstance(argv, str) or not argv or not all(isinstance(a, str) for a in argv):
                raise SkillsConfigError(
                    f"apps[{name!r}] must be a non-empty list of strings (an argv), got {argv!r}"
                )
        for name, url in self.urls.items():
            if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
                raise SkillsConfigError(f"urls[{name!r}] must be an http(s) URL, got {url!r}")
        # Freeze the allow-lists: a caller's later change to its dict must not widen them.
        frozen_apps = {name: tuple(argv) for name, argv in self.apps.items()}
        object.__setattr__(self, "apps", MappingProxyType(frozen_apps))
        object.__setattr__(self, "urls", MappingProxyType(dict(self.urls)))


class SpeechOutput(Protocol):
    """What :class:`Skills` needs of a speaker (see :class:`assistant.speech_out.Speaker`)."""

    def speak(self, text: str) -> None:
        """Queue ``text`` to be said."""

    def stop(self) -> None:
        """Stop speaking and drop what is queued."""


Listener = Callable[[Reply], None]
"""Receives replies that arrive on their own (a timer ending), on the timer's thread."""
_Handler = Callable[[RecognitionResult], Reply]


class Skills:
    """Runs the built-in skill of a recognised command and returns its :class:`Reply`."""

    def __init__(
        self,
        config: SkillsConfig | None = None,
        commands: CommandSet | None = None,
        *,
        now: Callable[[], datetime] = datetime.now,
        runner: Runner = run_checked,
        launcher: Runner = spawn_detached,
        open_url: UrlOpener = webbrowser.open,
        which: Callable[[str], str | None] = shutil.which,
        speaker: SpeechOutput | None = None,
        jokes: JokeTeller | None = None,
    ) -> None:
        """Skills with ``config``; ``commands`` supplies the help examples.

        ``now`` is the wall clock; ``runner`` runs short commands to completion (volume),
        ``launcher`` starts programs detached (apps), ``open_url`` opens web pages, ``which``
        finds programs; ``speaker`` says replies when ``config.spoken_replies`` and is stopped
        by "stop". All are injectable for tests.
        """
        self.config = config if config is not None else SkillsConfig()
        self.commands = commands
        self._now = now
        self._speaker = speaker
        self._jokes = jokes if jokes is not None else JokeTeller()
        self._notes = NoteStore(self.config.data_dir)
        self._volume = VolumeControl(runner=runner, which=which)
        self._apps = AppLauncher(
            self.config.apps, self.config.urls, launcher=launcher, open_url=open_url
        )
        self.timers = TimerManager(self._timer_done)
        """The running timers."""
        self._lock = threading.Lock()
        self._listeners: list[Listener] = []
        self._last: Reply | None = None
        self._handlers: dict[str, _Handler] = {
            "GetTime": lambda r: self._reply(r, time_reply(self._now())),
            "GetDate": lambda r: self._reply(r, date_reply(self._now())),
            "SetTimer": self._set_timer,
            "CancelTimer": self._cancel_timers,
            "ListTimers": self._list_timers,
            "Calculate": self._calculate,
            "OpenApp": self._open_app,
            "VolumeUp": lambda r: self._reply(r, self._volume.change(VolumeAction.UP)),
            "VolumeDown": lambda r: self._reply(r, self._volume.change(VolumeAction.DOWN)),
            "Mute": lambda r: self._reply(r, self._volume.change(VolumeAction.MUTE)),
            "AddNote": self._add_note,
            "ReadNotes": self._read_notes,
            "TellJoke": lambda r: self._reply(r, self._jokes.next()),
            "Help": self._help,
            "Stop": self._stop,
            "Repeat": self._repeat,
        }

    @property
    def intents(self) -> list[str]:
        """The intents these skills handle."""
        return list(self._handlers)

    def add_listener(self, callback: Listener) -> None:
        """Call ``callback`` with every reply that arrives on its own (a timer ending)."""
        with self._lock:
            self._listeners.append(callback)

    def remove_listener(self, callback: Listener) -> None:
        """Stop calling ``callback``; unknown callbacks are ignored."""
        with self._lock:
            if callback in self._listeners:
                self._listeners.remove(callback)

    def handle(self, result: RecognitionResult) -> Reply:
        """Run the skill of ``result`` and return its reply; a rejected result runs nothing."""
        if result.intent is None:
            reply = Reply(NOT_CAUGHT, None)
        elif result.intent not in self._handlers:
            reply = self._grammar_reply(result)
        else:
            try:
                reply = self._handlers[result.intent](result)
            except _SlotError as e:
                _LOGGER.warning("%s: %s", result.intent, e)
                reply = Reply("Sorry, I couldn't make sense of that.", result.intent)
        if reply.intent not in (None, "Repeat", "Stop"):
            with self._lock:
                self._last = reply
        self._say(reply)
        return reply

    def close(self) -> None:
        """Cancel all timers and stop speaking."""
        self.timers.close()
        if self._speaker is not None:
            self._speaker.stop()

    def _grammar_reply(self, result: RecognitionResult) -> Reply:
        """The reply the command file gives for an intent no skill handles."""
        template = None
        if self.commands is not None and result.intent is not None:
            template = self.commands.grammar.replies.get(result.intent)
        if template is None:
            _LOGGER.info("no skill handles intent %s and its file gives no reply", result.intent)
            return Reply("I don't know how to do that yet.", result.intent)
        values: dict[str, object] = dict(result.slots)
        for span in result.spans:
            if span.kind is SlotKind.DURATION and isinstance(span.value, int):
                values[span.name] = describe_duration(span.value)
        return self._reply(result, template.render(values), slots=dict(result.slots))

    # --- skills -------------------------------------------------------------------------------

    @staticmethod
    def _reply(answered: RecognitionResult, text: str, **data: object) -> Reply:
        return Reply(text, answered.intent, data=data)

    def _set_timer(self, result: RecognitionResult) -> Reply:
        if "duration" in result.slots:
            seconds = _int_slot(result, "duration")
        else:  # "a ten minute timer", "a two hour timer": one count of one unit
            units = {"hours": 3600, "minutes": 60, "seconds": 1}
            counted = [name for name in units if name in result.slots]
            if len(counted) != 1:
                raise _SlotError(f"a timer needs a duration, got slots {sorted(result.slots)}")
            seconds = units[counted[0]] * _int_slot(result, counted[0])
        name = _optional_text_slot(result, "name")
        if seconds <= 0:
            return self._reply(result, "A timer needs a duration longer than zero.")
        timer = self.timers.start(seconds, name)
        what = f"{name[:1].upper()}{name[1:]} timer" if name else "Timer"
        text = f"{what} set for {describe_duration(seconds)}."
        return self._reply(result, text, timer=_timer_data(timer, timer.duration_s))

    def _cancel_timers(self, result: RecognitionResult) -> Reply:
        cancelled = self.timers.cancel(_optional_text_slot(result, "name"))
        if not cancelled:
            text = "There are no timers to cancel."
        elif len(cancelled) == 1:
            text = f"Cancelled your {cancelled[0].label}."
        else:
            text = f"Cancelled {len(cancelled)} timers."
        return self._reply(result, text, cancelled=len(cancelled))

    def _list_timers(self, result: RecognitionResult) -> Reply:
        now = self.timers.now()
        timers = self.timers.active()
        # Round up: a timer with 0.4 s left has not yet reached "0 seconds".
        parts = [
            f"{t.label}, {describe_duration(math.ceil(t.remaining_s(now)))} left" for t in timers
        ]
        if not timers:
            text = "You have no timers."
        elif len(timers) == 1:
            text = f"Your {parts[0]}."
        else:
            text = f"You have {len(timers)} timers: " + "; ".join(parts) + "."
        data = [_timer_data(t, t.remaining_s(now)) for t in timers]
        return self._reply(result, text, timers=data)

    def _timer_done(self, timer: Timer) -> None:
        data = {"timer": _timer_data(timer, timer.duration_s), "done": True}
        reply = Reply(f"Your {timer.label} is done.", "SetTimer", data=data)
        with self._lock:
            self._last = reply
            listeners = list(self._listeners)
        self._say(reply)
        for listener in listeners:
            try:
                listener(reply)
            except Exception:  # one broken listener must not silence the others
                _LOGGER.exception("reply listener %r failed", listener)

    def _calculate(self, result: RecognitionResult) -> Reply:
        a, b = _int_slot(result, "a"), _int_slot(result, "b")
        op = _text_slot(result, "op")
        try:
            calculation = calculate(a, op, b)
        except ValueError as e:
            raise _SlotError(str(e)) from e
        return self._reply(result, calculation.text, result=calculation.value)

    def _open_app(self, result: RecognitionResult) -> Reply:
        name = _text_slot(result, "app")
        return self._reply(result, self._apps.open(name), app=name)

    def _add_note(self, result: RecognitionResult) -> Reply:
        text = _text_slot(result, "note")
        try:
            note = self._notes.add(text, self._now())
        except NotesError as e:
            _LOGGER.error("cannot add a note: %s", e)
            return self._reply(result, "Sorry, I couldn't save your note.")
        return self._reply(result, f"Noted: {note.text}.", note=note.text)

    def _read_notes(self, result: RecognitionResult) -> Reply:
        try:
            notes = self._notes.load()
        except NotesError as e:
            _LOGGER.error("cannot read the notes: %s", e)
            return self._reply(result, "Sorry, I couldn't read your notes.")
        return self._reply(result, read_back(notes), notes=[n.text for n in notes])

    def _help(self, result: RecognitionResult) -> Reply:
        if self.commands is None:
            return self._reply(result, "Ask me the time, to set a timer, or to tell a joke.")
        grammar = self.commands.grammar
        # Built-in order (time first), and only intents this grammar can say; not "help" itself.
        intents = [n for n in self._handlers if n in grammar.intents and n != result.intent]
        # then the user's own commands that answer something
        intents += [n for n in grammar.replies if n in grammar.intents and n not in intents]
        return self._reply(result, help_reply(grammar, intents))

    def _stop(self, result: RecognitionResult) -> Reply:
        # Stops speech (and so any queued replies); timers keep running ("cancel the timer").
        if self._speaker is not None:
            self._speaker.stop()
        return Reply("Okay.", result.intent, speak=False)

    def _repeat(self, result: RecognitionResult) -> Reply:
        with self._lock:
            last = self._last
        if last is None:
            return self._reply(result, "I haven't said anything yet.")
        return Reply(last.text, result.intent, data={"repeated": last.intent})

    def _say(self, reply: Reply) -> None:
        if reply.speak and self.config.spoken_replies and self._speaker is not None:
            self._speaker.speak(reply.text)


class _SlotError(Exception):
    """A command lacks a slot its skill needs, or has one of the wrong type (a grammar bug)."""


def _slot(result: RecognitionResult, name: str) -> SlotValue:
    if name not in result.slots:
        raise _SlotError(f"no {name!r} slot in {dict(result.slots)}")
    return result.slots[name]


def _int_slot(result: RecognitionResult, name: str) -> int:
    value = _slot(result, name)
    if not isinstance(value, int):
        raise _SlotError(f"slot {name!r} must be a number, got {value!r}")
    return value


def _text_slot(result: RecognitionResult, name: str) -> str:
    value = _slot(result, name)
    if not isinstance(value, str):
        raise _SlotError(f"slot {name!r} must be text, got {value!r}")
    return value


def _optional_text_slot(result: RecognitionResult, name: str) -> str | None:
    return _text_slot(result, name) if name in result.slots else None


def _timer_data(timer: Timer, seconds: float) -> dict[str, object]:
    return {"name": timer.name, "seconds": round(seconds, 1)}
