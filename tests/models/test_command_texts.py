"""Commands sampled from the grammars, with their meaning; the everyday domains."""

from __future__ import annotations

import random

import pytest

from assistant.commands.intents import match_text
from models.data.command_texts import (
    DOMAINS,
    FREE_TEXTS,
    command_set,
    domain_files,
    sample_commands,
    wrapped,
)


@pytest.fixture(scope="module")
def everything():  # type: ignore[no-untyped-def]
    return command_set()


def test_every_domain_loads_and_adds_its_intents(everything) -> None:  # type: ignore[no-untyped-def]
    intents = {t.intent for t in everything.grammar.templates}
    assert {"SetTimer", "LightsOnOff", "PlayMusic", "Weather", "AddToList", "Navigate"} <= intents
    assert {"Call", "Convert", "RemindAt"} <= intents
    assert len(domain_files()) == len(DOMAINS)
    with pytest.raises(ValueError, match="unknown command domains"):
        domain_files(("gardening",))


def test_samples_carry_the_meaning_the_grammar_gives(everything) -> None:  # type: ignore[no-untyped-def]
    samples = sample_commands(everything, 60, seed=4)
    assert len(samples) == 60 and len({s.text for s in samples}) == 60
    for sample in samples:
        found = match_text(sample.text, everything)
        assert (found.intent, dict(found.slots)) == (sample.intent, sample.slots)
    free = [v for s in samples for v in s.slots.values() if isinstance(v, str) and " " in v]
    assert all(v in FREE_TEXTS for v in free if v in FREE_TEXTS) and samples == sample_commands(
        everything, 60, seed=4
    )


def test_numbers_in_samples_are_words() -> None:
    samples = sample_commands(command_set(("shopping",), builtin=False), 20, seed=1)
    assert all(not any(ch.isdigit() for ch in s.text) for s in samples)
    assert any(isinstance(s.slots.get("count"), int) for s in samples)


def test_wrappers_lead_in_or_round_off() -> None:
    rng = random.Random(0)
    texts = [wrapped("what time is it", rng, share=1.0) for _ in range(30)]
    assert all("what time is it" in t and t != "what time is it" for t in texts)
    assert wrapped("what time is it", rng, share=0.0) == "what time is it"
