"""Telling the time and the date in words a speech engine reads well."""

from __future__ import annotations

from datetime import datetime


def time_reply(now: datetime) -> str:
    """``"It's 3:05 PM."``: 12-hour clock, minutes always two digits."""
    hour = now.hour % 12 or 12
    suffix = "AM" if now.hour < 12 else "PM"
    return f"It's {hour}:{now.minute:02d} {suffix}."


def date_reply(now: datetime) -> str:
    """``"Today is Friday, 27 November 2026."`` (English names, whatever the locale)."""
    # strftime's %A and %B follow the C library's locale; fixed English names do not.
    return f"Today is {_WEEKDAYS[now.weekday()]}, {now.day} {_MONTHS[now.month - 1]} {now.year}."


_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
