"""The main window: hold-to-talk button, conversation, live transcript, timers, level meter.

It only draws and turns user input into signals (:attr:`MainWindow.listen_started`,
:attr:`MainWindow.listen_stopped`, ...); the worker does the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from assistant.audio.sources import InputDevice
from assistant.commands.grammar import Grammar
from assistant.engine import Turn
from assistant.gui.help import AboutDialog, WhatCanISayDialog
from assistant.gui.settings import Settings
from assistant.gui.settings_dialog import SettingsDialog
from assistant.gui.theme import LIGHT, Theme, app_icon
from assistant.gui.widgets import (
    ConversationView,
    Entry,
    LevelMeter,
    ProblemBanner,
    TimerSource,
    TimersView,
)
from assistant.gui.worker import State

_LOGGER = logging.getLogger(__name__)

STATE_TEXT = {
    State.STARTING: "Starting…",
    State.READY: "Ready",
    State.LISTENING: "Listening…",
    State.RECOGNIZING: "Thinking…",
    State.SPEAKING: "Speaking…",
    State.NO_AUDIO: "No microphone",
    State.NO_MODEL: "No speech model",
    State.STOPPED: "Stopped",
}
"""What the status pill says in each worker state."""

_TALK_STATES = (State.READY, State.LISTENING, State.RECOGNIZING, State.SPEAKING)
"""States in which push-to-talk works."""

_BLOCKED_TEXT = {
    State.STARTING: "Loading the speech model…",
    State.NO_AUDIO: "No microphone: plug one in",
    State.NO_MODEL: "No speech model: see Settings",
    State.STOPPED: "Stopped",
}
"""The talk button's text while it cannot be used."""


class MainWindow(QMainWindow):
    """The assistant's window; connect its signals to a :class:`~assistant.gui.worker.Worker`."""

    listen_started = Signal()
    """Push-to-talk went down."""
    listen_stopped = Signal()
    """Push-to-talk came up."""
    listen_cancelled = Signal()
    """Escape: drop the utterance being recorded, stop speaking."""
    settings_changed = Signal(object)
    """The user accepted new :class:`~assistant.gui.settings.Settings`."""
    reload_requested = Signal()
    """The user asked to re-read the command files."""

    def __init__(
        self,
        settings: Settings,
        *,
        timers: TimerSource | None = None,
        devices: Callable[[], list[InputDevice]] | None = None,
        theme: Theme = LIGHT,
    ) -> None:
        """A window for ``settings``; ``timers`` lists running timers, ``devices`` the inputs."""
        super().__init__()
        self.settings = settings
        self.state = State.STARTING
        """The worker's state as last shown (starting until the worker says otherwise)."""
        self.grammar: Grammar | None = None
        """The commands the worker recognises (for What can I say)."""
        self._devices = devices or (lambda: [])
        self._held = False
        self._talk_key: int | None = None  # the key that started the current press
        self.setWindowTitle("Voice assistant")
        self.setWindowIcon(app_icon())
        self.resize(820, 600)
        self.setMinimumSize(560, 420)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.banner = ProblemBanner()
        self.banner.settings_requested.connect(self.open_settings)
        self.conversation = ConversationView()
        self.conversation.set_theme(theme)
        self.partial_label = QLabel()
        self.partial_label.setObjectName("partial")
        self.partial_label.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusPill")
        self.status_label.setAccessibleName("State")
        self.meter = LevelMeter()
        self.talk_button = QPushButton()
        self.talk_button.setObjectName("talkButton")
        self.talk_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # space is handled here
        self.talk_button.setMinimumHeight(64)
        self.talk_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.talk_button.setAccessibleName("Hold to talk")
        self.talk_button.pressed.connect(self.press)
        self.talk_button.released.connect(self.release)
        self.hint = QLabel()
        self.hint.setObjectName("hint")
        self.details_box = QCheckBox("Show details")
        self.details_box.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.details_box.setToolTip("Intent, confidence and timings of each turn (Ctrl+D)")
        self.timers = TimersView(timers) if timers is not None else None

        self._build_layout()
        self._build_menu()
        self.details_box.toggled.connect(self.details_action.setChecked)
        self.set_state(State.STARTING)

    def _build_layout(self) -> None:
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(30, 30))
        title = QLabel("Voice assistant")
        title.setObjectName("title")
        mic = QLabel("Mic")
        mic.setObjectName("hint")
        self.meter.setFixedWidth(150)
        header = QHBoxLayout()
        header.setSpacing(10)
        header.addWidget(icon)
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.status_label)
        header.addSpacing(12)
        header.addWidget(mic)
        header.addWidget(self.meter)
        center: QWidget = self.conversation
        if self.timers is not None:
            splitter = QSplitter()
            splitter.setChildrenCollapsible(False)
            splitter.setHandleWidth(10)
            splitter.addWidget(self.conversation)
            splitter.addWidget(self.timers)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 1)
            splitter.setSizes([580, 200])
            center = splitter
        footer = QHBoxLayout()
        footer.addWidget(self.hint, 1)
        footer.addWidget(self.details_box)
        layout = QVBoxLayout()
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(header)
        layout.addWidget(self.banner)
        layout.addWidget(center, 1)
        layout.addWidget(self.partial_label)
        layout.addWidget(self.talk_button)
        layout.addLayout(footer)
        body = QWidget()
        body.setObjectName("central")
        body.setLayout(layout)
        self.setCentralWidget(body)

    def _action(
        self,
        text: str,
        slot: Callable[[], object],
        shortcut: QKeySequence | QKeySequence.StandardKey | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        return action

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Assistant")
        menu.addAction(self._action("&Settings…", self.open_settings, QKeySequence("Ctrl+,")))
        menu.addAction(
            self._action("&Reload commands", self.reload_requested.emit, QKeySequence("Ctrl+R"))
        )
        menu.addSeparator()
        menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))
        view = self.menuBar().addMenu("&View")
        self.details_action = QAction("Show &details", self)
        self.details_action.setCheckable(True)
        self.details_action.setShortcut(QKeySequence("Ctrl+D"))
        self.details_action.toggled.connect(self.set_show_details)
        view.addAction(self.details_action)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(
            self._action("&What can I say?", self.open_help, QKeySequence.StandardKey.HelpContents)
        )
        help_menu.addAction(self._action("&About Voice assistant", self.open_about))

    def _talk_keys(self) -> str:
        shortcut = QKeySequence(self.settings.shortcut).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        return "Space" + (f" or {shortcut}" if shortcut else "")

    def _update_button_text(self) -> None:
        keys = self._talk_keys()
        mode = "Hands-free: just speak, or hold" if self.settings.hands_free else "Hold"
        self.hint.setText(f"{mode} {keys} to talk · Esc cancels · F1 what can I say")
        if self._held:
            return
        blocked = _BLOCKED_TEXT.get(self.state)
        self.talk_button.setText(blocked or f"Hold to talk  ({keys})")

    def _show_held(self, held: bool) -> None:
        self._held = held
        self.talk_button.setDown(held)
        self.talk_button.setProperty("held", held)
        self.talk_button.style().unpolish(self.talk_button)
        self.talk_button.style().polish(self.talk_button)
        if held:
            self.talk_button.setText("Listening… let go to send")
        else:
            self._update_button_text()

    @Slot()
    def press(self) -> None:
        """Push-to-talk down: ask the worker to listen (not while it cannot)."""
        if self._held or not self.talk_button.isEnabled():
            return
        self._show_held(True)
        self.partial_label.setText("Listening…")
        self.listen_started.emit()

    @Slot()
    def release(self) -> None:
        """Push-to-talk up: ask the worker to recognise."""
        if not self._held:
            return
        self._show_held(False)
        self.listen_stopped.emit()

    @Slot()
    def cancel(self) -> None:
        """Escape: drop what is being recorded (nothing is sent) and stop speaking."""
        if self._held:
            self._show_held(False)
            self._talk_key = None
            self.partial_label.clear()
        self.listen_cancelled.emit()

    def _is_talk_key(self, event: QKeyEvent, *, releasing: bool) -> bool:
        if releasing:  # modifiers may come up first: the key that started the press decides
            return self._talk_key is not None and event.key() == self._talk_key
        pressed = QKeySequence(event.keyCombination())
        shortcut = QKeySequence(self.settings.shortcut)
        if event.key() == Qt.Key.Key_Space or (not shortcut.isEmpty() and pressed == shortcut):
            if not self._held:
                self._talk_key = event.key()
            return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Space or the configured shortcut starts listening (auto-repeat ignored); Escape
        cancels."""
        if event.key() == Qt.Key.Key_Escape:
            self.cancel()
            event.accept()
            return
        if self._is_talk_key(event, releasing=False):
            if not event.isAutoRepeat():
                self.press()
            event.accept()
            return
        super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        """Releasing the talk key ends the utterance."""
        if self._is_talk_key(event, releasing=True):
            if not event.isAutoRepeat():
                self.release()
            event.accept()
            return
        super().keyReleaseEvent(event)

    @Slot(bool)
    def set_show_details(self, show: bool) -> None:
        """Show or hide each turn's small print (intent, confidence, timings)."""
        self.details_box.setChecked(show)
        self.details_action.setChecked(show)
        self.conversation.set_show_details(show)

    def theme_changed(self, theme: Theme) -> None:
        """Redraw what is drawn by hand (the conversation) in ``theme``'s colours."""
        self.conversation.set_theme(theme)

    @Slot(object)
    def set_commands(self, commands: object) -> None:
        """Remember the commands the worker recognises (a CommandSet), for the Help."""
        self.grammar = getattr(commands, "grammar", None)

    @Slot(str)
    def show_partial(self, text: str) -> None:
        """The live transcript while the button is held."""
        self.partial_label.setText(f"Listening… “{text}”" if text else "Listening…")

    @Slot(object)
    def show_turn(self, turn: Turn) -> None:
        """A finished exchange: add it to the conversation."""
        self.partial_label.clear()
        self.conversation.add_turn(turn)
        if self.timers is not None:
            self.timers.refresh()

    @Slot(str)
    def show_announcement(self, text: str) -> None:
        """Something the assistant says unprompted (a timer went off)."""
        self.conversation.add(Entry("notice", text))
        if self.timers is not None:
            self.timers.refresh()

    @Slot(float)
    def show_level(self, dbfs: float) -> None:
        """Update the input meter."""
        self.meter.set_level(dbfs)

    @Slot(str, str)
    def show_problem(self, topic: str, message: str) -> None:
        """Show what is wrong (and what to do) in the window, beside the other problems."""
        self.partial_label.clear()
        self.banner.show_problem(topic, message)

    @Slot(str)
    def clear_problem(self, topic: str) -> None:
        """The problem of ``topic`` is solved."""
        self.banner.clear_problem(topic)

    @Slot(str)
    def show_error(self, message: str) -> None:
        """Show a problem of the window itself (e.g. the settings could not be saved)."""
        self.show_problem("window", message)

    @Slot(str)
    def set_state(self, value: str) -> None:
        """Reflect the worker's state (a :class:`State` value) in the status pill and the
        button."""
        state = self.state = State(value)
        self.status_label.setText(STATE_TEXT[state])
        self.status_label.setProperty("state", state.value)
        self.status_label.style().unpolish(self.status_label)
        self.status_label.style().polish(self.status_label)
        if state not in (State.LISTENING, State.RECOGNIZING) and not self._held:
            self.partial_label.clear()  # an utterance that ended without a turn
        usable = state in _TALK_STATES
        if not usable and self._held:
            self._show_held(False)  # the press that started it is void
            self._talk_key = None
        self.talk_button.setEnabled(usable)
        self._update_button_text()

    @Slot()
    def open_settings(self) -> None:
        """Show the settings dialog; emits :attr:`settings_changed` when accepted."""
        dialog = SettingsDialog(self.settings, self._devices(), self)
        dialog.reload_requested.connect(self.reload_requested)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    @Slot()
    def open_help(self) -> None:
        """Show what can be said and the keyboard keys."""
        shortcut = QKeySequence(self.settings.shortcut).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        WhatCanISayDialog(self.grammar, shortcut, self).exec()

    @Slot()
    def open_about(self) -> None:
        """Show the About box."""
        model = self.settings.model_path
        note = f"Speech model: {model}" if model else "Speech model: the bundled one."
        AboutDialog(note, self).exec()

    def apply_settings(self, settings: Settings) -> None:
        """Adopt new settings and pass them on."""
        self.settings = settings
        self._update_button_text()
        self.settings_changed.emit(settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Closing ends a held push-to-talk first."""
        self.release()
        super().closeEvent(event)
