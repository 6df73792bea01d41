"""The window alone: push-to-talk keys, countdowns, level meter."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.commands.intents import Interpretation, RecognitionResult
from assistant.engine import Timings, Turn
from assistant.gui.help import WhatCanISayDialog
from assistant.gui.settings import Settings
from assistant.gui.theme import DARK, LIGHT, ThemeFollower, app_icon, palette, system_theme
from assistant.gui.widgets import describe, format_remaining, said
from assistant.gui.window import MainWindow
from assistant.gui.worker import State


@dataclass
class FakeTimer:
    id: int
    name: str | None
    ends_at: float

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.ends_at - now)

    @property
    def label(self) -> str:
        return f"{self.name} timer" if self.name else "2 hour timer"


class FakeTimers:
    def __init__(self) -> None:
        self.clock = 100.0
        self.timers = [
            FakeTimer(1, "pasta", 100.0 + 125.2),
            FakeTimer(2, None, 100.0 + 3600 * 2 + 5),
        ]

    def active(self) -> list[FakeTimer]:
        return self.timers

    def now(self) -> float:
        return self.clock

    def cancel_id(self, timer_id: int) -> None:
        self.timers = [t for t in self.timers if t.id != timer_id]


def test_configured_shortcut_is_held_to_talk(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings(shortcut="Ctrl+T"))
    qtbot.addWidget(window)
    window.set_state(State.READY)  # as the worker says once the model and microphone are up
    assert "Ctrl+T" in window.talk_button.text()
    with qtbot.waitSignal(window.listen_started):
        qtbot.keyPress(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    assert window.talk_button.isDown()
    with qtbot.assertNotEmitted(window.listen_started):  # a second press while held
        qtbot.keyPress(window, Qt.Key.Key_Space)
    with qtbot.waitSignal(window.listen_stopped):  # Ctrl already up: the key decides
        qtbot.keyRelease(window, Qt.Key.Key_T)
    assert not window.talk_button.isDown()
    with qtbot.assertNotEmitted(window.listen_started):
        qtbot.keyPress(window, Qt.Key.Key_T)  # without Ctrl it is just a T


def test_timers_count_down_on_the_sources_clock(qtbot) -> None:  # type: ignore[no-untyped-def]
    timers = FakeTimers()
    window = MainWindow(Settings(), timers=timers)
    qtbot.addWidget(window)
    view = window.timers
    assert view is not None
    assert view.texts() == ["pasta timer  2:06", "2 hour timer  2:00:05"]
    assert view.placeholder.isHidden()
    timers.clock += 6.0
    timers.timers.pop()
    view.refresh()
    assert view.texts() == ["pasta timer  2:00"]
    timers.timers.clear()
    view.refresh()
    assert view.texts() == [] and not view.placeholder.isHidden()


def test_each_timer_has_a_cancel_button(qtbot) -> None:  # type: ignore[no-untyped-def]
    timers = FakeTimers()
    window = MainWindow(Settings(), timers=timers)
    qtbot.addWidget(window)
    view = window.timers
    assert view is not None
    assert [row.cancel_button.toolTip() for row in view.rows] == [
        "Cancel the pasta timer",
        "Cancel the 2 hour timer",
    ]
    qtbot.mouseClick(view.rows[0].cancel_button, Qt.MouseButton.LeftButton)
    assert [t.id for t in timers.timers] == [2]
    assert view.texts() == ["2 hour timer  2:00:05"]


def test_format_remaining_rounds_up() -> None:
    assert [format_remaining(s) for s in (0, 0.2, 59.01, 61, 3600)] == [
        "0:00",
        "0:01",
        "1:00",
        "1:01",
        "1:00:00",
    ]


def test_level_meter_and_errors(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show_level(-23.4)
    assert (window.meter.value(), window.meter.format()) == (-23, "-23 dB")
    window.show_level(-100.0)
    assert window.meter.format() == "no input"
    window.show_error("Audio input lost: unplugged")
    assert window.banner.isVisibleTo(window)
    assert window.banner.label.text() == "Audio input lost: unplugged"


def test_a_rejected_turn_names_the_closest_command() -> None:
    timings = Timings(2000.0, 12.0, 6.0, 18.4, 0.1, 18.5)
    closest = Interpretation("what time is it", "GetTime", {}, -40.0)
    rejected = RecognitionResult(None, {}, 0.31, "wot tim is", (closest,))
    assert describe(Turn("wot tim is", rejected, "Sorry.", True, timings)) == (
        "no command (closest: “what time is it”) · confidence 31% · 18 ms to intent · 2.0 s audio"
    )
    silence = RecognitionResult(None, {}, 0.0, "")
    assert describe(Turn("", silence, "Sorry.", True, timings)).startswith(
        "no command · confidence 0%"
    )
    accepted = RecognitionResult("GetTime", {}, 0.92, "what time is it", (closest,))
    assert describe(Turn("what time is it", accepted, "It's noon.", True, timings)) == (
        "GetTime · confidence 92% · 18 ms to intent · 2.0 s audio"
    )


def test_an_accepted_turn_shows_the_sentence_understood_and_what_was_heard() -> None:
    timings = Timings(2000.0, 12.0, 6.0, 18.4, 0.1, 18.5)
    accepted = RecognitionResult("GetTime", {}, 0.92, "what time is it")
    turn = Turn("wat tim is it", accepted, "It's noon.", True, timings)
    assert said(turn) == "what time is it"
    assert describe(turn) == (
        "GetTime · confidence 92% · 18 ms to intent · 2.0 s audio · heard “wat tim is it”"
    )
    rejected = RecognitionResult(None, {}, 0.2, "wat tim is it")
    assert said(Turn("wat tim is it", rejected, "Sorry.", True, timings)) == "wat tim is it"


def _turn() -> Turn:
    timings = Timings(2000.0, 12.0, 6.0, 18.4, 0.1, 18.5)
    accepted = RecognitionResult("GetTime", {}, 0.92, "what time is it")
    return Turn("wat tim is it", accepted, "It's noon.", True, timings)


def test_the_small_print_is_behind_a_details_toggle(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # where shortcuts work
    window.show_turn(_turn())
    text = window.conversation.toPlainText()
    assert "what time is it" in text and "It's noon." in text
    assert "confidence" not in text and "GetTime" not in text
    qtbot.keyClick(window, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    assert window.details_box.isChecked() and window.details_action.isChecked()
    assert "GetTime · confidence 92% · 18 ms to intent" in window.conversation.toPlainText()
    window.details_box.setChecked(False)
    assert "confidence" not in window.conversation.toPlainText()
    assert [e.speaker for e in window.conversation.entries] == ["you", "assistant"]


def test_escape_cancels_listening_without_sending(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.set_state(State.READY)
    with qtbot.waitSignal(window.listen_started):
        qtbot.keyPress(window, Qt.Key.Key_Space)
    assert window.talk_button.text().startswith("Listening")
    with (
        qtbot.waitSignal(window.listen_cancelled),
        qtbot.assertNotEmitted(window.listen_stopped),
    ):
        qtbot.keyPress(window, Qt.Key.Key_Escape)
        qtbot.keyRelease(window, Qt.Key.Key_Space)  # the press it ended is void
    assert not window.talk_button.isDown()
    assert window.talk_button.text() == "Hold to talk  (Space or F9)"


def test_without_a_microphone_the_button_says_so_and_ignores_presses(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert (window.status_label.text(), window.talk_button.text()) == (
        "Starting…",
        "Loading the speech model…",
    )
    assert not window.talk_button.isEnabled()  # until the worker is ready
    window.set_state(State.NO_AUDIO)
    assert not window.talk_button.isEnabled()
    assert window.talk_button.text() == "No microphone: plug one in"
    assert window.status_label.text() == "No microphone"
    with qtbot.assertNotEmitted(window.listen_started):
        qtbot.keyPress(window, Qt.Key.Key_Space)
    assert not window.talk_button.isDown()
    window.set_state(State.READY)
    assert window.talk_button.isEnabled() and window.talk_button.text().startswith("Hold")


def test_status_shows_listening_thinking_speaking(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    seen = []
    for state in (State.LISTENING, State.RECOGNIZING, State.SPEAKING, State.READY):
        window.set_state(state)
        seen.append((window.status_label.text(), window.status_label.property("state")))
    assert seen == [
        ("Listening…", "listening"),
        ("Thinking…", "recognizing"),
        ("Speaking…", "speaking"),
        ("Ready", "ready"),
    ]
    assert window.talk_button.isEnabled()  # pressing while it speaks interrupts it


def test_every_problem_is_shown_until_solved(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.show_problem("audio", "No microphone is connected.")
    window.show_problem("commands", "mine.yaml:3: unbalanced bracket")
    assert window.banner.label.text() == (
        "No microphone is connected.\n\nmine.yaml:3: unbalanced bracket"
    )
    window.show_problem("audio", "The microphone stopped.")
    window.clear_problem("commands")
    assert window.banner.label.text() == "The microphone stopped."
    window.clear_problem("audio")
    assert not window.banner.isVisibleTo(window)


def test_help_lists_what_to_say_from_the_commands(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    window.set_commands(CommandSet([BUILTIN_DIR]))
    dialog = WhatCanISayDialog(window.grammar, "F9", window)
    qtbot.addWidget(dialog)
    assert [title for title, _ in dialog.examples][:3] == ["Get time", "Get date", "Set timer"]
    said_examples = dict(dialog.examples)
    assert said_examples["Get time"] == "what time is it"
    assert said_examples["Set timer"] == "set a timer for ten minutes"
    assert "“what is seven times eight”" in dialog.text.toPlainText()
    assert "Hold Space or F9" in dialog.text.toPlainText()
    assert [a.text() for a in window.menuBar().actions()] == ["&Assistant", "&View", "&Help"]


def test_icon_and_themes_follow_the_system(qtbot) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    window = MainWindow(Settings())
    qtbot.addWidget(window)
    assert not app_icon().isNull() and not window.windowIcon().isNull()
    before = (QPalette(app.palette()), app.styleSheet())
    follower = ThemeFollower(app, forced=DARK)
    try:
        assert follower.theme is DARK
        assert app.palette().color(QPalette.ColorRole.Window).name() == DARK.window
        window.show_turn(_turn())
        assert DARK.you_bubble in window.conversation.toHtml()
        assert system_theme(app, palette(DARK)) is DARK  # the system says nothing: its palette
        assert system_theme(app, palette(LIGHT)) is LIGHT
        follower.apply(LIGHT)
        assert LIGHT.you_bubble in window.conversation.toHtml()
    finally:
        follower.deleteLater()
        app.setPalette(before[0])
        app.setStyleSheet(before[1])
