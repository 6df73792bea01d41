"""Time and date replies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from assistant.skills.clock import date_reply, time_reply
from assistant.skills.dispatch import Reply

Say = Callable[[str], Reply]


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (15, 5, "It's 3:05 PM."),
        (0, 0, "It's 12:00 AM."),
        (12, 30, "It's 12:30 PM."),
        (9, 59, "It's 9:59 AM."),
        (23, 1, "It's 11:01 PM."),
    ],
)
def test_time_reply_uses_a_12_hour_clock(hour: int, minute: int, expected: str) -> None:
    assert time_reply(datetime(2026, 1, 1, hour, minute)) == expected


def test_date_reply_names_weekday_and_month() -> None:
    assert date_reply(datetime(2026, 11, 27)) == "Today is Friday, 27 November 2026."
    assert date_reply(datetime(2024, 2, 29)) == "Today is Thursday, 29 February 2024."


def test_skills_answer_time_and_date_from_the_injected_clock(say: Say) -> None:
    reply = say("what time is it")
    assert (reply.text, reply.intent, reply.speak) == ("It's 3:05 PM.", "GetTime", True)
    assert say("what day is it").text == "Today is Friday, 27 November 2026."
