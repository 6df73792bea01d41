"""Commands people say, sampled from the command grammars themselves, with their meaning.

The grammars are the built-in ones (``assistant/commands/builtin``) and the everyday domains in
``models/data/grammars`` (home, music, weather, shopping, navigation, calls, cooking,
reminders), written as a user would write their own command files. Sampling them, rather than
retyping sentences, keeps the texts in step with what the app accepts; each sample carries the
intent and slot values the recogniser should return. Free-text slots get everyday phrases.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.commands.confusion import FREE_TEXT_PLACEHOLDER, sample_sentences
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.commands.intents import match_text
from assistant.commands.matcher import SlotValue

GRAMMARS_DIR = Path(__file__).parent / "grammars"
"""Everyday command domains beyond the built-in skills, one YAML file each."""
DOMAINS = ("home", "music", "weather", "shopping", "navigation", "calls", "cooking", "reminders")

FREE_TEXTS = (
    "buy milk",
    "call my mother",
    "the laundry",
    "pick up the kids",
    "water the plants",
    "check the oven",
    "feed the cat",
    "take out the bins",
    "pay the electricity bill",
    "book a table for friday",
    "pasta",
    "tea",
    "eggs",
    "homework",
    "i will be late tonight",
    "see you at the station",
)
"""What people put in free-text slots (notes, timer names, messages, reminders)."""

POLITE_WRAPPERS = (
    "could you please {}",
    "can you {}",
    "please {}",
    "{} please",
    "uh {}",
    "um {}",
    "hey {}",
    "okay so {}",
    "i'd like you to {}",
    "would you {}",
)
"""Ways people lead into or round off a command (for training texts: the words are heard,
and the grammar may or may not accept them)."""


@dataclass(frozen=True)
class CommandSample:
    """One command sentence and what it means."""

    text: str
    """The words, normalised."""
    intent: str
    """The intent the grammar gives it."""
    slots: dict[str, SlotValue] = field(default_factory=dict)
    """Slot name -> typed value, as the recogniser returns them."""


def domain_files(domains: Sequence[str] = DOMAINS) -> list[Path]:
    """The YAML files of ``domains`` (names of :data:`DOMAINS`)."""
    unknown = set(domains) - set(DOMAINS)
    if unknown:
        raise ValueError(f"unknown command domains {sorted(unknown)}; known: {DOMAINS}")
    return [GRAMMARS_DIR / f"{name}.yaml" for name in domains]


def command_set(domains: Sequence[str] = DOMAINS, builtin: bool = True) -> CommandSet:
    """The built-in commands (unless ``builtin`` is False) plus the everyday ``domains``."""
    return CommandSet(([BUILTIN_DIR] if builtin else []) + domain_files(domains))


def sample_commands(
    commands: CommandSet,
    count: int,
    seed: int,
    per_template: int = 40,
    free_texts: Sequence[str] = FREE_TEXTS,
) -> list[CommandSample]:
    """``count`` distinct commands of ``commands`` (fewer if it has fewer), templates taking
    turns so that every way of saying things appears; free text from ``free_texts``."""
    rng = random.Random(seed)
    pairs = sample_sentences(commands.grammar, per_template=per_template, seed=seed)
    rng.shuffle(pairs)
    found: dict[str, CommandSample] = {}
    for _, sentence in pairs:
        text = sentence.replace(FREE_TEXT_PLACEHOLDER, rng.choice(free_texts))
        match = match_text(text, commands)
        if match.intent is None or match.text in found:
            continue
        found[match.text] = CommandSample(match.text, match.intent, dict(match.slots))
        if len(found) >= count:
            break
    return list(found.values())


def wrapped(text: str, rng: random.Random, share: float = 0.4) -> str:
    """``text`` led in or rounded off by a :data:`POLITE_WRAPPERS` phrase ``share`` of the
    time, as people say commands."""
    return rng.choice(POLITE_WRAPPERS).format(text) if rng.random() < share else text
