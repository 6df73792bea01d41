"""Spoken numbers and durations: words <-> ints, and their grammars."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.commands.expression import MAX_NUMBER, Expression
from assistant.commands.grammar import parse_grammar
from assistant.commands.matcher import match_template
from assistant.commands.numbers import (
    duration_expression,
    duration_words,
    number_expression,
    number_words,
    parse_duration,
    parse_number,
    spoken_forms,
)

GRAMMAR = parse_grammar([("<test>", "intents: {X: [go]}")])


def accepts(expression: Expression, text: str) -> bool:
    """Whether the word grammar ``expression`` matches all of ``text``."""
    from assistant.commands.grammar import Template

    template = Template("X", text, expression, "<test>", 1)
    return match_template(template, text, GRAMMAR) is not None


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (7, "seven"),
        (13, "thirteen"),
        (40, "forty"),
        (25, "twenty five"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (999, "nine hundred and ninety nine"),
        (1000, "one thousand"),
        (1001, "one thousand and one"),
        (25302, "twenty five thousand three hundred and two"),
        (999999, "nine hundred and ninety nine thousand nine hundred and ninety nine"),
    ],
)
def test_number_words(n: int, words: str) -> None:
    assert number_words(n) == words
    assert parse_number(words) == n


@pytest.mark.parametrize(
    ("words", "n"),
    [
        ("a hundred and five", 105),
        ("one hundred five", 105),
        ("a thousand", 1000),
        ("two thousand and twelve", 2012),
        ("twelve thousand one hundred", 12100),
    ],
)
def test_variant_forms_parse(words: str, n: int) -> None:
    assert parse_number(words) == n


@pytest.mark.parametrize(
    "words", ["", "five five", "twenty twenty", "hundred", "one thousand a hundred", "lots"]
)
def test_malformed_numbers_are_rejected(words: str) -> None:
    with pytest.raises(ValueError, match="number"):
        parse_number(words)


@given(st.integers(0, MAX_NUMBER))
def test_every_spoken_form_parses_back(n: int) -> None:
    assert [parse_number(form) for form in spoken_forms(n)] == [n] * len(spoken_forms(n))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, MAX_NUMBER), st.integers(0, MAX_NUMBER), st.integers(0, MAX_NUMBER))
def test_number_grammar_accepts_exactly_its_range(a: int, b: int, n: int) -> None:
    low, high = min(a, b), max(a, b)
    expression = number_expression(low, high)
    inside = low <= n <= high
    assert {accepts(expression, form) for form in spoken_forms(n)} == {inside}


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2000), st.integers(0, 60))
def test_number_grammar_near_small_range_edges(low: int, width: int) -> None:
    expression = number_expression(low, low + width)
    for n in (low - 1, low, low + width, low + width + 1):
        if 0 <= n <= MAX_NUMBER:
            assert accepts(expression, number_words(n)) == (low <= n <= low + width)


def test_bad_number_range_raises() -> None:
    with pytest.raises(ValueError, match="low <= high"):
        number_expression(5, 4)
    with pytest.raises(ValueError, match="can say numbers"):
        spoken_forms(MAX_NUMBER + 1)


@pytest.mark.parametrize(
    ("words", "seconds"),
    [
        ("ten minutes", 600),
        ("a minute", 60),
        ("an hour", 3600),
        ("an hour and a half", 5400),
        ("one and a half hours", 5400),
        ("half an hour", 1800),
        ("a minute and a half", 90),
        ("two hours thirty minutes", 9000),
        ("two hours and thirty minutes", 9000),
        ("ninety seconds", 90),
        ("one hour five minutes and ten seconds", 3910),
    ],
)
def test_durations(words: str, seconds: int) -> None:
    assert parse_duration(words) == seconds
    assert accepts(duration_expression(), words)


@pytest.mark.parametrize("words", ["ten", "minutes", "ten minutes five", "blue hours"])
def test_malformed_durations_are_rejected(words: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(words)


def test_duration_grammar_rejects_wrong_order_and_agreement() -> None:
    assert not accepts(duration_expression(), "ten minutes two hours")
    assert not accepts(duration_expression(), "two hour")
    assert not accepts(duration_expression(), "one hundred minutes")


@pytest.mark.parametrize(
    "words",
    [
        "an hour and a half ten minutes",
        "two hours ten and a half minutes",
        "a minute and a half and a second",
        "half an hour ten seconds",
    ],
)
def test_duration_grammar_takes_halves_only_alone(words: str) -> None:
    assert not accepts(duration_expression(), words)


@given(st.integers(1, 99 * 3600 + 3599))
def test_duration_words_round_trip(seconds: int) -> None:
    words = duration_words(seconds)
    assert parse_duration(words) == seconds
    assert accepts(duration_expression(), words)


def test_duration_words_examples() -> None:
    assert duration_words(5400) == "one hour thirty minutes"
    assert duration_words(61) == "one minute one second"
    with pytest.raises(ValueError, match="durations"):
        duration_words(0)
