"""Arithmetic from typed slots, formatted for speech."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction

import pytest

from assistant.skills.calculator import calculate, format_number
from assistant.skills.dispatch import Reply

Say = Callable[[str], Reply]


@pytest.mark.parametrize(
    ("a", "op", "b", "text", "value"),
    [
        (7, "times", 8, "7 times 8 is 56.", 56),
        (2, "plus", 3, "2 plus 3 is 5.", 5),
        (3, "minus", 10, "3 minus 10 is -7.", -7),
        (10, "divided", 4, "10 divided by 4 is 2.5.", 2.5),
        (12, "divided", 4, "12 divided by 4 is 3.", 3),
        (1, "divided", 3, "1 divided by 3 is about 0.3333.", 1 / 3),
        (2, "divided", 3, "2 divided by 3 is about 0.6667.", 2 / 3),
        (0, "divided", 5, "0 divided by 5 is 0.", 0),
    ],
)
def test_calculate(a: int, op: str, b: int, text: str, value: float) -> None:
    result = calculate(a, op, b)
    assert result.text == text
    assert result.value == pytest.approx(value)
    assert isinstance(result.value, int) == (value == int(value))


def test_division_by_zero_has_no_result() -> None:
    result = calculate(7, "divided", 0)
    assert (result.text, result.value) == ("I can't divide by zero.", None)


def test_unknown_operator_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown operator 'modulo'"):
        calculate(7, "modulo", 2)


def test_small_results_keep_four_significant_digits() -> None:
    assert format_number(Fraction(1, 7000)) == ("0.0001429", False)
    assert format_number(Fraction(1, 1000)) == ("0.001", True)
    assert format_number(Fraction(-7, 2)) == ("-3.5", True)


def test_spoken_calculation_uses_the_typed_slots(say: Say) -> None:
    reply = say("what is seven multiplied by eight")
    assert (reply.text, reply.intent, reply.data) == (
        "7 times 8 is 56.",
        "Calculate",
        {"result": 56},
    )
    assert say("calculate seven divided by zero").text == "I can't divide by zero."
