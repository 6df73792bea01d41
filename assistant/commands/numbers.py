"""Spoken English numbers (0..999 999) and durations: words <-> ints, and their grammars.

The grammars are built from the structure of the numbers (hundreds, thousands, tens + units)
and split a range only at its ends, so ``number 0..999999`` is a few hundred nodes, not a
million sentences. :func:`spoken_forms` lists exactly the word strings the grammar accepts for a
number; the tests hold the two to each other.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from assistant.commands.expression import (
    EMPTY,
    MAX_NUMBER,
    Alternative,
    Expression,
    Sequence,
    Word,
)

ONES = (
    *("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"),
    *("eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen"),
    *("eighteen", "nineteen"),
)
"""Words of 0..19, index = value."""
TENS = ("", "", *["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"])
"""Words of the multiples of ten from 20, index = tens digit."""
_VALUES = {word: value for value, word in enumerate(ONES)} | {
    word: 10 * digit for digit, word in enumerate(TENS) if word
}

DURATION_UNITS = (("hour", 3600, "an"), ("minute", 60, "a"), ("second", 1, "a"))
"""(singular word, seconds, indefinite article) of each unit, largest first."""
MAX_UNIT_COUNT = 99
"""Largest count of one unit in a spoken duration ("ninety nine minutes")."""
_UNIT_SECONDS = {word: seconds for word, seconds, _ in DURATION_UNITS} | {
    word + "s": seconds for word, seconds, _ in DURATION_UNITS
}


def _below_100(n: int) -> str:
    if n < 20:
        return ONES[n]
    tens, units = divmod(n, 10)
    return TENS[tens] + (f" {ONES[units]}" if units else "")


def spoken_forms(n: int) -> list[str]:
    """Every way the number grammar says ``n`` (0..999 999); the first is :func:`number_words`."""
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"can say numbers 0..{MAX_NUMBER}, got {n}")
    if n < 100:
        return [_below_100(n)]
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        heads = ["one hundred", "a hundred"] if hundreds == 1 else [f"{ONES[hundreds]} hundred"]
        tails = [""] if rest == 0 else [f" and {_below_100(rest)}", f" {_below_100(rest)}"]
        return [head + tail for head in heads for tail in tails]
    thousands, rest = divmod(n, 1000)
    heads = [f"{form} thousand" for form in spoken_forms(thousands)]
    if thousands == 1:
        heads.append("a thousand")
    if rest == 0:
        tails = [""]
    elif rest < 100:
        tails = [f" and {_below_100(rest)}", f" {_below_100(rest)}"]
    else:
        tails = [f" {form}" for form in spoken_forms(rest) if not form.startswith("a ")]
    return [head + tail for head in heads for tail in tails]


def number_words(n: int) -> str:
    """The usual spoken form of ``n``, e.g. 105 -> "one hundred and five"."""
    return spoken_forms(n)[0]


def parse_number(text: str) -> int:
    """Value of a spoken number in one of the :func:`spoken_forms`; raises ValueError."""
    words = text.split()
    total = current = 0
    for word in words:
        if word in _VALUES:
            current += _VALUES[word]
        elif word == "a":
            current += 1
        elif word == "hundred" and current:
            current *= 100
        elif word == "thousand" and current:
            total, current = total + current * 1000, 0
        elif word != "and":
            raise ValueError(f"{text!r} is not a number: unexpected word {word!r}")
    value = total + current
    if not words or value > MAX_NUMBER or " ".join(words) not in spoken_forms(value):
        raise ValueError(f"{text!r} is not a spoken number between 0 and {MAX_NUMBER}")
    return value


def _words(text: str) -> Expression:
    words = tuple(Word(w) for w in text.split())
    return words[0] if len(words) == 1 else Sequence(words)


def _either(options: Iterable[Expression]) -> Expression:
    flat = tuple(options)
    return flat[0] if len(flat) == 1 else Alternative(flat)


_AND = Alternative((Word("and"), EMPTY))


def _tens_units(low: int, high: int) -> Expression:
    """1 <= low <= high <= 99, grouped by decade so the units are shared."""
    options: list[Expression] = [Word(ONES[n]) for n in range(low, min(high, 19) + 1)]
    for tens in range(max(low, 20) // 10, high // 10 + 1):
        first, last = max(low, tens * 10), min(high, tens * 10 + 9)
        units: list[Expression] = [Word(ONES[u]) for u in range(max(first % 10, 1), last % 10 + 1)]
        if first % 10 == 0:
            units.append(EMPTY)
        options.append(Sequence((Word(TENS[tens]), _either(units))))
    return _either(options)


def _after_head(low: int, high: int, below_100_only: bool) -> Expression:
    """What follows "N hundred" (0..99) or "N thousand" (0..999): 0 means nothing."""
    options: list[Expression] = [EMPTY] if low == 0 else []
    if high >= 1 and low <= 99:
        options.append(Sequence((_AND, _tens_units(max(low, 1), min(high, 99)))))
    if not below_100_only and high >= 100:
        options.append(_hundreds(max(low, 100), high, allow_a=False))
    return _either(options)


def _split(low: int, high: int, unit: int) -> list[tuple[list[int], int, int]]:
    """Pieces (heads, rest low, rest high) of low..high by head = n // unit."""
    head_low, rest_low = divmod(low, unit)
    head_high, rest_high = divmod(high, unit)
    if head_low == head_high:
        return [([head_low], rest_low, rest_high)]
    pieces = [([head_low], rest_low, unit - 1)]
    if head_high - head_low > 1:
        pieces.append((list(range(head_low + 1, head_high)), 0, unit - 1))
    pieces.append(([head_high], 0, rest_high))
    return pieces


def _hundreds(low: int, high: int, allow_a: bool = True) -> Expression:
    """100 <= low <= high <= 999; ``allow_a``: "a hundred" (not after "thousand")."""
    options: list[Expression] = []
    for heads, rest_low, rest_high in _split(low, high, 100):
        words = [Word(ONES[h]) for h in heads] + ([Word("a")] if heads[0] == 1 and allow_a else [])
        head = Sequence((_either(words), Word("hundred")))
        options.append(Sequence((head, _after_head(rest_low, rest_high, below_100_only=True))))
    return _either(options)


def _below_1000(low: int, high: int) -> Expression:
    options: list[Expression] = [Word("zero")] if low == 0 else []
    if high >= 1 and low <= 99:
        options.append(_tens_units(max(low, 1), min(high, 99)))
    if high >= 100:
        options.append(_hundreds(max(low, 100), high))
    return _either(options)


@lru_cache(maxsize=256)
def number_expression(low: int, high: int) -> Expression:
    """Grammar of the spoken numbers low..high (inclusive, 0..999 999)."""
    if not 0 <= low <= high <= MAX_NUMBER:
        raise ValueError(f"expected 0 <= low <= high <= {MAX_NUMBER}, got {low}..{high}")
    options: list[Expression] = []
    if low <= 999:
        options.append(_below_1000(low, min(high, 999)))
    if high >= 1000:
        for heads, rest_low, rest_high in _split(max(low, 1000), high, 1000):
            multiplier = _below_1000(heads[0], heads[-1])
            if heads[0] == 1:
                multiplier = _either((multiplier, Word("a")))
            head = Sequence((multiplier, Word("thousand")))
            options.append(Sequence((head, _after_head(rest_low, rest_high, False))))
    return _either(options)


def duration_words(seconds: int) -> str:
    """The usual spoken form of a duration, e.g. 5400 -> "one hour thirty minutes"."""
    hours, rest = divmod(seconds, 3600)
    if not (seconds > 0 and hours <= MAX_UNIT_COUNT):
        raise ValueError(f"can say durations of 1 s to {MAX_UNIT_COUNT} h 59 min 59 s")
    parts = []
    for (word, _, _), count in zip(DURATION_UNITS, (hours, *divmod(rest, 60)), strict=True):
        if count:
            parts.append(f"{number_words(count)} {word}{'s' if count > 1 else ''}")
    return " ".join(parts)


def parse_duration(text: str) -> int:
    """Seconds of a spoken duration ("an hour and a half" -> 5400); raises ValueError."""
    words = text.split()
    total, count, half, i = 0, list[str](), False, 0
    seen_unit = False
    while i < len(words):
        word = words[i]
        if word == "half" and i + 2 < len(words) and words[i + 2] in _UNIT_SECONDS:
            total += _UNIT_SECONDS[words[i + 2]] // 2
            seen_unit, i = True, i + 3
            continue
        if word in _UNIT_SECONDS:
            if not count:
                raise ValueError(f"{text!r} is not a duration: no count before {word!r}")
            try:
                value = 1 if count in (["a"], ["an"]) else parse_number(" ".join(count))
            except ValueError as e:
                raise ValueError(f"{text!r} is not a duration: {e}") from e
            unit = _UNIT_SECONDS[word]
            total += value * unit + (unit // 2 if half else 0)
            count, half, seen_unit = [], False, True
            if words[i + 1 : i + 4] == ["and", "a", "half"]:
                total += unit // 2
                i += 3
        elif word == "and" and words[i + 1 : i + 3] == ["a", "half"] and count:
            half, i = True, i + 2
        elif not (word == "and" and not count):
            count.append(word)
        i += 1
    if count or not seen_unit:
        raise ValueError(f"{text!r} is not a duration (expected e.g. 'ten minutes')")
    return total


def _unit_expression(word: str, article: str, *, halves: bool) -> Expression:
    """``a minute``, ``ten minutes`` and, with ``halves``, ``a minute and a half``,
    ``ten and a half minutes``."""
    one = Alternative((Word(article), Word("one")))
    options: list[Expression] = [
        Sequence((one, Word(word))),
        Sequence((number_expression(2, MAX_UNIT_COUNT), Word(word + "s"))),
    ]
    if halves:
        and_a_half = _words("and a half")
        options += [
            Sequence((one, Word(word), and_a_half)),
            Sequence((number_expression(1, MAX_UNIT_COUNT), and_a_half, Word(word + "s"))),
        ]
    return _either(options)


@lru_cache(maxsize=1)
def duration_expression() -> Expression:
    """Grammar of spoken durations as people say them: one unit with an optional half ("an
    hour and a half", "ten and a half minutes", "half an hour"), or whole counts of units in
    order ("two hours [and] thirty minutes"). Halves do not mix with other units: nobody says
    "an hour and a half ten and a half minutes", and allowing it gives the decoder nonsense to
    match noise against."""
    hours, minutes, seconds = (_unit_expression(w, a, halves=False) for w, _, a in DURATION_UNITS)

    def then(part: Expression) -> Expression:
        return Alternative((Sequence((_AND, part)), EMPTY))

    return Alternative(
        (
            *(_unit_expression(w, a, halves=True) for w, _, a in DURATION_UNITS),
            Sequence((hours, _AND, minutes, then(seconds))),
            Sequence((hours, _AND, seconds)),
            Sequence((minutes, _AND, seconds)),
            _words("half an hour"),
            _words("half a minute"),
        )
    )
