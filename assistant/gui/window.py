"""The main window: hold-to-talk button, conversation, live transcript, timers, level meter.

It only draws and turns user input into signals (:attr:`MainWindow.listen_started`,
:attr:`MainWindow.listen_stopped`, ...); the worker does the work.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
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
from assistant.engine import Turn
from assistant.gui.settings import Settings
from assistant.gui.settings_dialog import SettingsDialog
from assistant.gui.widgets import (
    ConversationView,
    Entry,
    ErrorBanner,
    LevelMeter,
    TimerSource,
    TimersView,
)
from assistant.gui.worker import State

_LOGGER = logging.getLogger(__name__)

_STATE_TEXT = {
    State.READY: "Ready: hold the button or the space bar and speak",
    State.LISTENING: "Listening… release to send",
    State.RECOGNIZING: "Recognising…",
    State.NO_AUDIO: "No audio input: see the message above",
    State.NO_MODEL: "No speech model: see the message above",
    State.STOPPED: "Stopped",
}


_HELD_STYLE = "QPushButton { background: #c62828; color: white; border-radius: 6px; }"


class MainWindow(QMainWindow):
    """The assistant's window; connect its signals to a :class:`~assistant.gui.worker.Worker`."""

    listen_started = Signal()
    """Push-to-talk went down."""
    listen_stopped = Signal()
    """Push-to-talk came up."""
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
    ) -> None:
        """A window for ``settings``; ``timers`` lists running timers, ``devices`` the inputs."""
        super().__init__()
        self.settings = settings
        self._devices = devices or (lambda: [])
        self._held = False
        self._talk_key: int | None = None  # the key that started the current press
        self.setWindowTitle("Voice assistant")
        self.resize(760, 560)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

        self.banner = ErrorBanner()
        self.banner.settings_requested.connect(self.open_settings)
        self.conversation = ConversationView()
        self.partial_label = QLabel()
        self.partial_label.setWordWrap(True)
        self.partial_label.setStyleSheet("color: #555; font-style: italic;")
        self.status_label = QLabel(_STATE_TEXT[State.READY])
        self.meter = LevelMeter()
        self.talk_button = QPushButton()
        self.talk_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # space is handled here
        self.talk_button.setMinimumHeight(72)
        self.talk_button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        font = QFont(self.talk_button.font())
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.talk_button.setFont(font)
        self.talk_button.pressed.connect(self.press)
        self.talk_button.released.connect(self.release)
        self.timers = TimersView(timers) if timers is not None else None

        self._build_layout()
        self._build_menu()
        self.set_state(State.READY)
        self._update_button_text()

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.status_label, 1)
        top.addWidget(QLabel("Input"))
        top.addWidget(self.meter)
        self.meter.setFixedWidth(180)
        center: QWidget = self.conversation
        if self.timers is not None:
            side = QWidget()
            side_layout = QVBoxLayout(side)
            side_layout.setContentsMargins(0, 0, 0, 0)
            title = QLabel("Timers")
            title.setStyleSheet("font-weight: 600;")
            side_layout.addWidget(title)
            side_layout.addWidget(self.timers)
            splitter = QSplitter()
            splitter.addWidget(self.conversation)
            splitter.addWidget(side)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 1)
            splitter.setSizes([540, 200])
            center = splitter
        layout = QVBoxLayout()
        layout.addLayout(top)
        layout.addWidget(self.banner)
        layout.addWidget(center, 1)
        layout.addWidget(self.partial_label)
        layout.addWidget(self.talk_button)
        body = QWidget()
        body.setLayout(layout)
        self.setCentralWidget(body)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&Assistant")
        settings = QAction("&Settings…", self)
        settings.triggered.connect(self.open_settings)
        reload = QAction("&Reload commands", self)
        reload.triggered.connect(self.reload_requested)
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        for action in (settings, reload, quit_action):
            menu.addAction(action)

    def _update_button_text(self) -> None:
        shortcut = QKeySequence(self.settings.shortcut).toString(
            QKeySequence.SequenceFormat.NativeText
        )
        keys = "Space" + (f" or {shortcut}" if shortcut else "")
        mode = "Listening hands-free · " if self.settings.hands_free else ""
        if self._held:
            return
        self.talk_button.setText(f"{mode}Hold to talk ({keys})")

    @Slot()
    def press(self) -> None:
        """Push-to-talk down: ask the worker to listen."""
        if self._held:
            return
        self._held = True
        self.partial_label.setText("Listening…")
        self.talk_button.setDown(True)
        self.talk_button.setStyleSheet(_HELD_STYLE)
        self.talk_button.setText("● Listening — release to send")
        self.listen_started.emit()

    @Slot()
    def release(self) -> None:
        """Push-to-talk up: ask the worker to recognise."""
        if not self._held:
            return
        self._held = False
        self.talk_button.setDown(False)
        self.talk_button.setStyleSheet("")
        self._update_button_text()
        self.listen_stopped.emit()

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
        """Space or the configured shortcut starts listening (auto-repeat ignored)."""
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

    @Slot(str)
    def show_error(self, message: str) -> None:
        """Show what went wrong (and what to do) in the window."""
        self.partial_label.clear()
        self.banner.show_message(message)

    @Slot(str)
    def set_state(self, state: str) -> None:
        """Reflect the worker's state in the status line and the button."""
        self.status_label.setText(_STATE_TEXT.get(state, state))
        usable = state in (State.READY, State.LISTENING, State.RECOGNIZING, State.NO_AUDIO)
        self.talk_button.setEnabled(usable)

    @Slot()
    def open_settings(self) -> None:
        """Show the settings dialog; emits :attr:`settings_changed` when accepted."""
        dialog = SettingsDialog(self.settings, self._devices(), self)
        dialog.reload_requested.connect(self.reload_requested)
        if dialog.exec() == SettingsDialog.DialogCode.Accepted:
            self.apply_settings(dialog.result_settings())

    def apply_settings(self, settings: Settings) -> None:
        """Adopt new settings and pass them on."""
        self.settings = settings
        self._update_button_text()
        self.settings_changed.emit(settings)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Closing ends a held push-to-talk first."""
        self.release()
        super().closeEvent(event)
