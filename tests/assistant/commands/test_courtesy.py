"""Fillers and politeness around any command: "um, please stop", "set a timer ... please"."""

from __future__ import annotations

import pytest

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import match_text, recognize
from assistant.decoding.constrained import constrained_decode
from tests.assistant.conftest import PeakyFactory

TIMERS = CommandSet.from_yaml(
    """
intents:
  SetTimer:
    - "set a timer for {duration} [called {name:text}]"
  Stop:
    - "stop"
  Polite:
    - "please repeat that"
"""
)


@pytest.mark.parametrize(
    ("said", "intent", "slots"),
    [
        ("um stop", "Stop", {}),
        ("uh please stop please", "Stop", {}),
        ("please set a timer for ten minutes please", "SetTimer", {"duration": 600}),
        (
            "set a timer for ten minutes called pasta please",
            "SetTimer",
            {"duration": 600, "name": "pasta"},
        ),
        (
            "set a timer for ten minutes called please call mom",
            "SetTimer",
            {"duration": 600, "name": "please call mom"},
        ),
        ("please repeat that", "Polite", {}),
        ("um please repeat that please", "Polite", {}),
    ],
)
def test_fillers_around_a_command_keep_its_meaning_and_its_words(
    said: str, intent: str, slots: dict[str, object]
) -> None:
    found = match_text(said, TIMERS)
    assert (found.intent, dict(found.slots)) == (intent, slots)
    assert found.text == said
    assert TIMERS.graph.accepts(said)


@pytest.mark.parametrize(
    "said", ["please please stop", "stop um", "um um stop", "stop please please", "could you stop"]
)
def test_fillers_go_only_around_a_command_once(said: str) -> None:
    assert match_text(said, TIMERS).intent is None
    assert not TIMERS.graph.accepts(said)


def test_letters_of_fillers_earn_no_bonus() -> None:
    graph = TIMERS.graph
    assert graph.filler_letters("um stop please") == len("umplease")
    assert graph.filler_letters("stop") == 0
    # a leading "please" may be the first word of "please repeat that": a letter that a
    # template reads too earns the bonus
    assert graph.filler_letters("um please stop please") == len("umplease")
    assert graph.filler_letters("please repeat that") == 0


def test_a_filler_is_decoded_when_heard_and_only_then(peaky: PeakyFactory) -> None:
    assert constrained_decode(peaky("um stop please"), TIMERS.graph)[0].text == "um stop please"
    assert constrained_decode(peaky("stop"), TIMERS.graph)[0].text == "stop"
    heard = recognize(peaky("uh stop"), TIMERS, threshold=0.0)
    assert (heard.intent, heard.text) == ("Stop", "uh stop")
