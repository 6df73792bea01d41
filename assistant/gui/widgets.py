"""The window's parts: level meter, conversation view, timers list, error banner."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QWidget,
)

from assistant.engine import Turn

METER_FLOOR_DBFS = -60
"""The level meter's empty end in dBFS."""


class LevelMeter(QProgressBar):
    """Input level in dBFS as a bar from -60 to 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty meter."""
        super().__init__(parent)
        self.setRange(METER_FLOOR_DBFS, 0)
        self.setTextVisible(True)
        self.setFormat("mic")
        self.setFixedHeight(14)
        self.setToolTip("Microphone input level (dBFS)")
        self.set_level(float(METER_FLOOR_DBFS))

    def set_level(self, dbfs: float) -> None:
        """Show a level in dBFS (clamped to the meter's range)."""
        self.setValue(int(max(METER_FLOOR_DBFS, min(0.0, dbfs))))
        self.setFormat("no input" if dbfs <= METER_FLOOR_DBFS else f"{dbfs:.0f} dB")


@dataclass(frozen=True)
class Entry:
    """One line of the conversation."""

    speaker: str
    """"you", "assistant" or "notice"."""
    text: str
    """What was said."""
    detail: str = ""
    """Small print: intent, confidence, time taken."""


def said(turn: Turn) -> str:
    """The user's line of a turn: the command as understood when one was accepted (its
    sentence, spelled right), else what was heard."""
    return turn.result.text if turn.result.intent is not None else turn.heard


def describe(turn: Turn) -> str:
    """The small print of a turn: intent, confidence and time from release to intent.

    A rejected turn names the closest command it was not sure enough of, so the user sees
    what the assistant weighed (and how a command is worded). An accepted turn shows the
    letters as heard when they differ from the sentence understood.
    """
    result = turn.result
    intent = result.intent
    if intent is None:
        intent = "no command"
        if result.alternatives:
            intent += f" (closest: “{result.alternatives[0].text}”)"
    heard = ""
    if result.intent is not None and turn.heard and turn.heard != result.text:
        heard = f" · heard “{turn.heard}”"
    return (
        f"{intent} · confidence {result.confidence:.0%} · "
        f"{turn.timings.to_intent_ms:.0f} ms to intent · {turn.timings.audio_ms / 1000:.1f} s audio"
        f"{heard}"
    )


class ConversationView(QTextBrowser):
    """What you said and what the assistant answered, newest at the bottom."""

    _STYLES: ClassVar[dict[str, tuple[str, str]]] = {
        "you": ("#1f4e8c", "You"),
        "assistant": ("#2d6a2d", "Assistant"),
        "notice": ("#8a5a00", "Assistant"),
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty conversation."""
        super().__init__(parent)
        self.entries: list[Entry] = []
        """Every entry shown, oldest first."""
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window (push-to-talk)
        self.setOpenLinks(False)
        self.setPlaceholderText("Hold the button (or the space bar) and say a command.")

    def add(self, entry: Entry) -> None:
        """Append one entry and scroll to it."""
        self.entries.append(entry)
        color, who = self._STYLES.get(entry.speaker, ("#000000", entry.speaker))
        text = html.escape(entry.text) or "<i>(nothing heard)</i>"
        stamp = time.strftime("%H:%M")
        block = (
            f'<p style="margin:6px 0 0 0"><span style="color:{color}; font-weight:600">{who}'
            f'</span> <span style="color:#888; font-size:small">{stamp}</span><br>{text}'
        )
        if entry.detail:
            detail = html.escape(entry.detail)
            block += f'<br><span style="color:#777; font-size:small">{detail}</span>'
        self.append(block + "</p>")
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def add_turn(self, turn: Turn) -> None:
        """Append what was understood (or heard) and the reply, with confidence and timing."""
        self.add(Entry("you", said(turn), describe(turn)))
        self.add(Entry("assistant", turn.reply))


class TimerLike(Protocol):
    """A running timer (``assistant.skills`` timers)."""

    @property
    def name(self) -> str | None:
        """What the user called it; None when unnamed."""
        ...

    def remaining_s(self, now: float) -> float:
        """Seconds left at time ``now`` of the source's clock."""
        ...


class TimerSource(Protocol):
    """Lists running timers (``Skills.timers``) on its own clock."""

    def active(self) -> Sequence[TimerLike]:
        """Running timers, soonest first."""
        ...

    def now(self) -> float:
        """The clock :meth:`TimerLike.remaining_s` expects."""
        ...


def format_remaining(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss`` of a non-negative number of seconds (rounded up)."""
    total = max(0, int(-(-seconds // 1)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TimersView(QListWidget):
    """Running timers with their countdowns; a QTimer redraws once a second."""

    def __init__(self, timers: TimerSource, parent: QWidget | None = None) -> None:
        """Show the running ``timers``."""
        super().__init__(parent)
        self._timers = timers
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self.refresh()

    def refresh(self) -> None:
        """Redraw the countdowns."""
        now = self._timers.now()
        lines = [
            f"{t.name or 'timer'}  {format_remaining(t.remaining_s(now))}"
            for t in self._timers.active()
        ]
        self.clear()
        self.addItems(lines or ["No timers running"])
        self.setEnabled(bool(lines))


class ErrorBanner(QFrame):
    """A dismissible message above the conversation: what is wrong and what to do."""

    settings_requested = Signal()
    """The user pressed the banner's Settings button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden banner."""
        super().__init__(parent)
        self.setObjectName("errorBanner")
        self.setStyleSheet(
            "#errorBanner { background: #fde8e8; border: 1px solid #e0a0a0; border-radius: 4px; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        settings = QPushButton("Settings…", self)
        settings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        settings.clicked.connect(self.settings_requested)
        close = QPushButton("Dismiss", self)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.addWidget(self.label, 1)
        layout.addWidget(settings)
        layout.addWidget(close)
        self.hide()

    def show_message(self, message: str) -> None:
        """Show ``message`` (replacing any earlier one)."""
        self.label.setText(message)
        self.show()
