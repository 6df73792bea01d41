"""The window's parts: level meter, conversation view, timers with cancel buttons, problems."""

from __future__ import annotations

import html
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from assistant.engine import Turn
from assistant.gui.theme import LIGHT, Theme

METER_FLOOR_DBFS = -60
"""The level meter's empty end in dBFS."""


class LevelMeter(QProgressBar):
    """Input level in dBFS as a bar from -60 to 0."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty meter."""
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.setRange(METER_FLOOR_DBFS, 0)
        self.setTextVisible(False)  # a bar is read at a glance; the number is in the tooltip
        self.setFixedHeight(10)
        self.setAccessibleName("Microphone level")
        self.set_level(float(METER_FLOOR_DBFS))

    def set_level(self, dbfs: float) -> None:
        """Show a level in dBFS (clamped to the meter's range)."""
        self.setValue(int(max(METER_FLOOR_DBFS, min(0.0, dbfs))))
        self.setFormat("no input" if dbfs <= METER_FLOOR_DBFS else f"{dbfs:.0f} dB")
        self.setToolTip(f"Microphone input level: {self.format()}")


@dataclass(frozen=True)
class Entry:
    """One line of the conversation."""

    speaker: str
    """"you", "assistant" or "notice"."""
    text: str
    """What was said."""
    detail: str = ""
    """Small print: intent, confidence, time taken (shown with details on)."""
    stamp: str = field(default_factory=lambda: time.strftime("%H:%M"))
    """Local time it was added, ``HH:MM``."""


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
    """What you said and what the assistant answered, newest at the bottom; the small print
    of each turn only with :attr:`show_details`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """An empty conversation."""
        super().__init__(parent)
        self.setObjectName("conversation")
        self.entries: list[Entry] = []
        """Every entry shown, oldest first."""
        self.show_details = False
        """Whether each turn's small print (intent, confidence, timings) is shown."""
        self._theme = LIGHT
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # keys go to the window (push-to-talk)
        self.setOpenLinks(False)
        self.setAccessibleName("Conversation")
        self.document().setDocumentMargin(12)
        self.setPlaceholderText(
            "Hold the button (or the space bar), say a command, let go.\n"
            "Try “what time is it” or “what can I say”."
        )

    def add(self, entry: Entry) -> None:
        """Append one entry and scroll to it."""
        self.entries.append(entry)
        self.append(self._html(entry))
        self._scroll_to_end()

    def add_turn(self, turn: Turn) -> None:
        """Append what was understood (or heard) and the reply, with confidence and timing."""
        self.add(Entry("you", said(turn), describe(turn)))
        self.add(Entry("assistant", turn.reply))

    def set_show_details(self, show: bool) -> None:
        """Show or hide the small print of every turn."""
        self.show_details = show
        self._render()

    def set_theme(self, theme: Theme) -> None:
        """Redraw in ``theme``'s colours."""
        self._theme = theme
        self._render()

    def _render(self) -> None:
        self.clear()
        for entry in self.entries:
            self.append(self._html(entry))
        self._scroll_to_end()

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def _html(self, entry: Entry) -> str:
        t = self._theme
        who, color, bubble, align = {
            "you": ("You", t.you_name, t.you_bubble, "right"),
            "notice": ("Assistant", t.notice_name, t.notice_bubble, "left"),
        }.get(entry.speaker, ("Assistant", t.accent, t.assistant_bubble, "left"))
        text = html.escape(entry.text) or "<i>(nothing heard)</i>"
        detail = ""
        if self.show_details and entry.detail:
            detail = (
                f'<br><span style="color:{t.muted}; font-size:small">'
                f"{html.escape(entry.detail)}</span>"
            )
        # Qt's rich text has no rounded corners or max-width: a table cell is the bubble.
        return (
            f'<table align="{align}" width="78%" cellspacing="0" cellpadding="9" '
            f'style="margin-top:4px; margin-bottom:4px"><tr><td bgcolor="{bubble}">'
            f'<span style="color:{color}; font-weight:600">{who}</span>&nbsp;&nbsp;'
            f'<span style="color:{t.muted}; font-size:small">{entry.stamp}</span><br>'
            f'<span style="color:{t.text}">{text}</span>{detail}</td></tr></table>'
        )


class TimerLike(Protocol):
    """A running timer (``assistant.skills`` timers)."""

    @property
    def id(self) -> int:
        """Unique among the source's timers."""
        ...

    @property
    def name(self) -> str | None:
        """What the user called it; None when unnamed."""
        ...

    @property
    def label(self) -> str:
        """How it is called: ``"pasta timer"``, ``"10 minute timer"``."""
        ...

    def remaining_s(self, now: float) -> float:
        """Seconds left at time ``now`` of the source's clock."""
        ...


class TimerSource(Protocol):
    """Lists and cancels running timers (``Skills.timers``) on its own clock."""

    def active(self) -> Sequence[TimerLike]:
        """Running timers, soonest first."""
        ...

    def now(self) -> float:
        """The clock :meth:`TimerLike.remaining_s` expects."""
        ...

    def cancel_id(self, timer_id: int) -> object:
        """Cancel the timer with this id (nothing when it has ended)."""
        ...


def format_remaining(seconds: float) -> str:
    """``h:mm:ss`` or ``m:ss`` of a non-negative number of seconds (rounded up)."""
    total = max(0, int(-(-seconds // 1)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class TimerRow(QWidget):
    """One timer: its name, its countdown and a button that cancels it."""

    def __init__(self, timer_id: int, name: str, parent: QWidget | None = None) -> None:
        """A row for the timer ``timer_id`` called ``name`` ("pasta timer")."""
        super().__init__(parent)
        self.timer_id = timer_id
        self.name = QLabel(name)
        self.remaining = QLabel()
        font = self.remaining.font()
        font.setPointSize(font.pointSize() + 3)
        font.setBold(True)
        self.remaining.setFont(font)
        self.cancel_button = QToolButton()
        self.cancel_button.setObjectName("cancelTimer")
        self.cancel_button.setText("✕")
        self.cancel_button.setToolTip(f"Cancel the {name}")
        self.cancel_button.setAccessibleName(f"Cancel the {name}")
        self.cancel_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.name, 1)
        layout.addWidget(self.remaining)
        layout.addWidget(self.cancel_button)

    def text(self) -> str:
        """``"pasta timer  2:06"``: the name and the time left."""
        return f"{self.name.text()}  {self.remaining.text()}"


class TimersView(QFrame):
    """Running timers with their countdowns and cancel buttons; redrawn once a second."""

    def __init__(self, timers: TimerSource, parent: QWidget | None = None) -> None:
        """Show the running ``timers``."""
        super().__init__(parent)
        self.setObjectName("timersPanel")
        self._timers = timers
        self.rows: list[TimerRow] = []
        """One row per running timer, soonest first."""
        title = QLabel("Timers")
        title.setObjectName("panelTitle")
        self.placeholder = QLabel("No timers running.\nSay “set a timer for ten minutes”.")
        self.placeholder.setObjectName("hint")
        self.placeholder.setWordWrap(True)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(12, 10, 8, 10)
        self._layout.addWidget(title)
        self._layout.addWidget(self.placeholder)
        self._layout.addStretch(1)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self.refresh)
        self._tick.start()
        self.refresh()

    def texts(self) -> list[str]:
        """What each row says, e.g. ``["pasta timer  2:06"]``."""
        return [row.text() for row in self.rows]

    def refresh(self) -> None:
        """Redraw the countdowns; rows come and go with the timers."""
        now = self._timers.now()
        timers = list(self._timers.active())
        if [row.timer_id for row in self.rows] != [t.id for t in timers]:
            for row in self.rows:
                self._layout.removeWidget(row)
                row.deleteLater()
            self.rows = []
            for index, timer in enumerate(timers):
                row = TimerRow(timer.id, timer.label)
                row.cancel_button.clicked.connect(
                    lambda _=False, timer_id=timer.id: self._cancel(timer_id)
                )
                self._layout.insertWidget(1 + index, row)
                self.rows.append(row)
        for row, timer in zip(self.rows, timers, strict=True):
            row.remaining.setText(format_remaining(timer.remaining_s(now)))
        self.placeholder.setVisible(not timers)

    def _cancel(self, timer_id: int) -> None:
        self._timers.cancel_id(timer_id)
        self.refresh()


class ProblemBanner(QFrame):
    """Every current problem, each with what to do; above the conversation until solved or
    dismissed. A newer problem of the same topic replaces the older one."""

    settings_requested = Signal()
    """The user pressed the banner's Settings button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """A hidden banner."""
        super().__init__(parent)
        self.setObjectName("problemBanner")
        self.problems: dict[str, str] = {}
        """Topic -> message, in the order they came."""
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        settings = QPushButton("Settings…", self)
        settings.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        settings.clicked.connect(self.settings_requested)
        close = QPushButton("Dismiss", self)
        close.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        close.clicked.connect(self.dismiss)
        buttons = QVBoxLayout()
        buttons.addWidget(settings)
        buttons.addWidget(close)
        buttons.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 8, 8)
        layout.addWidget(self.label, 1)
        layout.addLayout(buttons)
        self.hide()

    def show_problem(self, topic: str, message: str) -> None:
        """Show ``message`` under ``topic`` (replacing that topic's earlier message)."""
        self.problems[topic] = message
        self._update()

    def clear_problem(self, topic: str) -> None:
        """Forget the problem of ``topic``; the banner hides when none is left."""
        if self.problems.pop(topic, None) is not None:
            self._update()

    def dismiss(self) -> None:
        """Hide every problem shown."""
        self.problems.clear()
        self._update()

    def _update(self) -> None:
        self.label.setText("\n\n".join(self.problems.values()))
        self.setVisible(bool(self.problems))
