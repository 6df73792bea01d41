"""Arithmetic on two recognised numbers: exact (fractions), never ``eval``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

DECIMALS = 4
"""Decimal places kept in an inexact result (1 / 3 -> 0.3333)."""

OPERATIONS = {"plus": "plus", "minus": "minus", "times": "times", "divided": "divided by"}
"""Operator slot value -> the words used in the reply."""


@dataclass(frozen=True)
class Calculation:
    """The outcome of one calculation."""

    text: str
    """The reply, e.g. ``"7 times 8 is 56."``."""
    value: int | float | None
    """The result (int when whole); None when there is none (division by zero)."""


def format_number(value: Fraction) -> tuple[str, bool]:
    """(text, exact): whole numbers without ``.0``, else :data:`DECIMALS` places or digits."""
    if value.denominator == 1:
        return str(value.numerator), True
    # Below 0.001 more places are needed to keep four significant digits (1/7000 -> 0.0001429).
    magnitude = math.floor(math.log10(abs(value)))
    places = max(DECIMALS, DECIMALS - 1 - magnitude)
    text = f"{float(value):.{places}f}".rstrip("0").rstrip(".")
    return text, Fraction(text) == value


def calculate(a: int, op: str, b: int) -> Calculation:
    """``a op b`` with ``op`` in :data:`OPERATIONS`; raises ValueError for another operator."""
    if op not in OPERATIONS:
        raise ValueError(f"unknown operator {op!r}: expected one of {sorted(OPERATIONS)}")
    left, right = Fraction(a), Fraction(b)
    if op == "plus":
        result = left + right
    elif op == "minus":
        result = left - right
    elif op == "times":
        result = left * right
    elif right == 0:
        return Calculation("I can't divide by zero.", None)
    else:
        result = left / right
    text, exact = format_number(result)
    about = "" if exact else "about "
    value: int | float = result.numerator if result.denominator == 1 else float(result)
    return Calculation(f"{a} {OPERATIONS[op]} {b} is {about}{text}.", value)
