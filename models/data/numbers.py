"""English number words as the synthesis texts say them (e.g. 125 -> "one hundred and twenty five").

The grammar's own number words live in ``assistant.commands.numbers``; this wording is kept
separate so that a corpus made from a seed stays reproducible, and a test checks that every
form said here is one the grammar accepts.
"""

from __future__ import annotations

_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_to_words(n: int, *, british_and: bool = True) -> str:
    """Spell a non-negative integer below one million in words."""
    if n < 0 or n >= 1_000_000:
        raise ValueError(f"number out of range 0..999999: {n}")
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        head = _ONES[hundreds] + " hundred"
        if rest == 0:
            return head
        return head + (" and " if british_and else " ") + number_to_words(rest)
    thousands, rest = divmod(n, 1000)
    head = number_to_words(thousands) + " thousand"
    if rest == 0:
        return head
    joiner = " and " if rest < 100 and british_and else " "
    return head + joiner + number_to_words(rest)
