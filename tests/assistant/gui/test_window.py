"""The window alone: push-to-talk keys, countdowns, level meter."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from assistant.commands.intents import Interpretation, RecognitionResult
from assistant.engine import Timings, Turn
from assistant.gui.settings import Settings
from assistant.gui.widgets import describe, format_remaining, said
from assistant.gui.window import MainWindow


@dataclass
class FakeTimer:
    name: str | None
    ends_at: float

    def remaining_s(self, now: float) -> float:
        return max(0.0, self.ends_at - now)


class FakeTimers:
    def __init__(self) -> None:
        self.clock = 100.0
        self.timers = [FakeTimer("pasta", 100.0 + 125.2), FakeTimer(None, 100.0 + 3600 * 2 + 5)]

    def active(self) -> list[FakeTimer]:
        return self.timers

    def now(self) -> float:
        return self.clock


def test_configured_shortcut_is_held_to_talk(qtbot) -> None:  # type: ignore[no-untyped-def]
    window = MainWindow(Settings(shortcut="Ctrl+T"))
    qtbot.addWidget(window)
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
    assert [view.item(i).text() for i in range(view.count())] == ["pasta  2:06", "timer  2:00:05"]
    timers.clock += 6.0
    timers.timers.pop()
    view.refresh()
    assert [view.item(i).text() for i in range(view.count())] == ["pasta  2:00"]
    timers.timers.clear()
    view.refresh()
    assert view.item(0).text() == "No timers running" and not view.isEnabled()


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
