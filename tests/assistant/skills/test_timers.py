"""Timers: start, list, cancel, and a real (short) timer that ends and tells the listeners."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from assistant.commands.intents import RecognitionResult
from assistant.skills.dispatch import Reply
from assistant.skills.timers import Timer, TimerManager, describe_duration

Say = Callable[[str], Reply]
WAIT_S = 5.0
"""Upper bound on waiting for a 0.05 s timer on a busy machine."""


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (45, "45 seconds"),
        (1, "1 second"),
        (60, "1 minute"),
        (600, "10 minutes"),
        (5400, "1 hour 30 minutes"),
        (3661, "1 hour 1 minute 1 second"),
        (7200, "2 hours"),
        (0, "0 seconds"),
        (89.6, "1 minute 30 seconds"),
    ],
)
def test_describe_duration(seconds: float, words: str) -> None:
    assert describe_duration(seconds) == words


def test_labels() -> None:
    assert Timer(1, "pasta", 600, 0).label == "pasta timer"
    assert Timer(1, None, 600, 0).label == "10 minute timer"
    assert Timer(1, None, 5400, 0).label == "1 hour 30 minute timer"


def test_start_list_and_cancel_with_a_fake_clock() -> None:
    clock = [100.0]
    manager = TimerManager(clock=lambda: clock[0])
    try:
        eggs = manager.start(300, "eggs")
        pasta = manager.start(600, "pasta")
        clock[0] = 160.0
        assert (eggs.ends_at, eggs.remaining_s(manager.now())) == (400.0, 240.0)
        assert manager.active() == [eggs, pasta]
        assert manager.cancel("eggs") == [eggs]
        assert manager.active() == [pasta]
        assert manager.cancel() == [pasta]
        assert (manager.active(), manager.cancel()) == ([], [])
    finally:
        manager.close()


def test_one_timer_is_cancelled_by_its_id() -> None:
    manager = TimerManager(clock=lambda: 0.0)
    try:
        first, second = manager.start(300), manager.start(300)
        assert manager.cancel_id(first.id) == first
        assert (manager.active(), manager.cancel_id(first.id)) == ([second], None)
    finally:
        manager.close()


def test_same_name_replaces_the_timer() -> None:
    manager = TimerManager()
    try:
        manager.start(600, "pasta")
        second = manager.start(900, "pasta")
        assert manager.active() == [second]
    finally:
        manager.close()


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_durations_must_be_positive_and_finite(bad: float) -> None:
    with pytest.raises(ValueError, match="above 0 seconds"):
        TimerManager().start(bad)


def test_finished_timer_tells_listeners(make_skills) -> None:
    skills = make_skills()
    done = threading.Event()
    heard: list[Reply] = []

    def listener(reply: Reply) -> None:
        heard.append(reply)
        done.set()

    skills.add_listener(listener)
    skills.timers.start(0.05, "pasta")
    assert done.wait(WAIT_S)
    assert [(r.text, r.intent) for r in heard] == [("Your pasta timer is done.", "SetTimer")]
    assert skills.timers.active() == []
    assert skills.handle(RecognitionResult("Repeat", {}, 1.0, "")).text == (
        "Your pasta timer is done."
    )


def test_cancelled_timer_stays_silent() -> None:
    fired = threading.Event()
    manager = TimerManager(lambda timer: fired.set())
    manager.start(0.05)
    manager.close()
    # Wait on a second timer of a fresh manager: past it, the cancelled one would have fired.
    later = threading.Event()
    other = TimerManager(lambda timer: later.set())
    other.start(0.1)
    assert later.wait(WAIT_S)
    assert not fired.is_set()


def test_a_failing_listener_does_not_stop_the_others(make_skills) -> None:
    skills = make_skills()
    done = threading.Event()

    def broken(reply: Reply) -> None:
        raise RuntimeError("listener bug")

    skills.add_listener(broken)
    skills.add_listener(lambda reply: done.set())
    skills.timers.start(0.05)
    assert done.wait(WAIT_S)


def test_spoken_timer_commands(say: Say) -> None:
    assert say("set a timer for ten minutes").text == "Timer set for 10 minutes."
    reply = say("set a timer for an hour and a half called pasta")
    assert (reply.text, reply.data) == (
        "Pasta timer set for 1 hour 30 minutes.",
        {"timer": {"name": "pasta", "seconds": 5400.0}},
    )
    assert say("start a five minute timer").text == "Timer set for 5 minutes."
    listed = say("list my timers")
    assert listed.text == (
        "You have 3 timers: 5 minute timer, 5 minutes left; 10 minute timer, 10 minutes left; "
        "pasta timer, 1 hour 30 minutes left."
    )
    assert say("cancel the timers").text == "Cancelled 3 timers."
    assert say("how much time is left").text == "You have no timers."
    assert say("set a two hour timer").text == "Timer set for 2 hours."
    assert say("begin a forty five second timer").text == "Timer set for 45 seconds."
    assert say("cancel the timers").text == "Cancelled 2 timers."
    assert say("cancel the timer").text == "There are no timers to cancel."


def test_one_timer_listed_and_cancelled(say: Say) -> None:
    say("set a timer for forty five seconds")
    assert say("show timers").text == "Your 45 second timer, 45 seconds left."
    assert say("stop the timer").text == "Cancelled your 45 second timer."


def test_close_cancels_timers(make_skills) -> None:
    skills = make_skills()
    skills.timers.start(600)
    skills.close()
    assert skills.timers.active() == []
