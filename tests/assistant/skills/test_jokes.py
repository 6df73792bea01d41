"""Jokes rotate without immediate repeats."""

from __future__ import annotations

import itertools
import random

import pytest

from assistant.commands.intents import RecognitionResult
from assistant.skills.jokes import JOKES, JokeTeller


def test_each_round_tells_every_joke_once_and_never_twice_running() -> None:
    teller = JokeTeller(rng=random.Random(3))
    told = [teller.next() for _ in range(len(JOKES) * 5)]
    for start in range(0, len(told), len(JOKES)):
        assert sorted(told[start : start + len(JOKES)]) == sorted(JOKES)
    assert all(a != b for a, b in itertools.pairwise(told))


def test_two_jokes_alternate() -> None:
    teller = JokeTeller(["a", "b"], rng=random.Random(0))
    told = [teller.next() for _ in range(20)]
    assert all(a != b for a, b in itertools.pairwise(told))


def test_needs_a_joke() -> None:
    with pytest.raises(ValueError, match="at least one joke"):
        JokeTeller([])


def test_joke_skill(make_skills) -> None:
    skills = make_skills()
    first = skills.handle(RecognitionResult("TellJoke", {}, 1.0, "tell me a joke"))
    second = skills.handle(RecognitionResult("TellJoke", {}, 1.0, "tell me a joke"))
    assert first.text in JOKES and second.text in JOKES and first.text != second.text
