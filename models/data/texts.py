"""Texts to synthesise: assistant commands mixed with broad English.

The acoustic model spells characters, so it must hear many different words, not only the
commands: broad English keeps it able to spell words users add later.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.vocabulary import normalize_text
from models.data.numbers import number_to_words

_WORD = re.compile(r"^[a-z]+(?:'[a-z]+)?$")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class TextMix:
    """Shares of each kind of sentence (need not sum to one; they are weights)."""

    commands: float = 0.30
    """Assistant commands from templates (timers, arithmetic, apps, notes, ...)."""
    broad: float = 0.42
    """Random sequences of common English words."""
    numbers: float = 0.10
    """Numbers, digit strings and sums."""
    letters: float = 0.06
    """Spelled letters, as in spelling a name."""
    single_words: float = 0.12
    """One word alone, as in short commands."""


def english_words(count: int = 20000) -> list[str]:
    """The ``count`` most frequent English words (wordfreq), letters and apostrophes only."""
    from wordfreq import top_n_list  # training-time dependency only

    words = []
    for word in top_n_list("en", count * 2):
        word = word.replace("\u2019", "'")
        if _WORD.match(word) and (len(word) > 1 or word in ("a", "i")):
            words.append(word)
        if len(words) == count:
            break
    return words


_APPS = [
    "firefox",
    "chrome",
    "terminal",
    "calculator",
    "calendar",
    "music",
    "spotify",
    "email",
    "files",
    "editor",
]
_SITES = ["wikipedia", "youtube", "the", "news", "the", "weather", "github", "my", "mail"]
_NAMES = [
    "pasta",
    "tea",
    "eggs",
    "laundry",
    "bread",
    "pizza",
    "oven",
    "meeting",
    "break",
    "workout",
    "call",
]
_NOTES = (
    "buy milk and bread",
    "call mom tomorrow",
    "the meeting moved to friday",
    "water the plants",
    "pick up the kids at four",
    "pay the electricity bill",
    "book a table for two",
)
_UNITS = ("second", "minute", "hour")
_OPS = ("plus", "minus", "times", "divided by", "multiplied by")


def _number(rng: random.Random, low: int = 0, high: int = 100) -> str:
    return number_to_words(rng.randint(low, high), british_and=rng.random() < 0.5)


def _duration(rng: random.Random) -> str:
    unit = rng.choice(_UNITS)
    n = rng.choice((1, 1, 2, 3, 5, 10, 15, 20, 25, 30, 45, 90, rng.randint(1, 120)))
    if n == 1:
        return rng.choice(
            (f"one {unit}", f"a {unit}", f"an {unit}" if unit == "hour" else "a minute")
        )
    if rng.random() < 0.15 and unit != "second":
        return f"{number_to_words(n)} and a half {unit}s"
    return f"{number_to_words(n)} {unit}s"


def _timer_name(name: str) -> str:
    return name.replace(" for", "") if name else ""


def command_sentence(rng: random.Random) -> str:
    """One assistant command with random wording."""
    please = rng.choice(("", "", "please ", "could you "))
    kind = rng.randrange(12)
    if kind == 0:
        name = rng.choice(("", "", f" for {rng.choice(_NAMES)}", f" called {rng.choice(_NAMES)}"))
        return rng.choice(
            (
                f"{please}set a timer for {_duration(rng)}{name}",
                f"start a {number_to_words(rng.randint(2, 60))} {rng.choice(_UNITS)} timer",
                f"{please}set a{_timer_name(name)} timer for {_duration(rng)}",
                f"remind me in {_duration(rng)}",
            )
        )
    if kind == 1:
        return rng.choice(
            (
                "cancel the timer",
                "cancel all timers",
                "how much time is left",
                "list my timers",
                f"cancel the {rng.choice(_NAMES)} timer",
                "stop the timer",
            )
        )
    if kind == 2:
        return rng.choice(
            (
                "what time is it",
                "what's the time",
                "tell me the time",
                "what day is it",
                "what is the date today",
                "what's today's date",
                "what is the time now",
            )
        )
    if kind == 3:
        a, b = _number(rng, 0, 100), _number(rng, 0, 20)
        return rng.choice(
            (
                f"what is {a} {rng.choice(_OPS)} {b}",
                f"what's {a} {rng.choice(_OPS)} {b}",
                f"calculate {a} {rng.choice(_OPS)} {b}",
                f"how much is {a} {rng.choice(_OPS)} {b}",
                f"what is the square root of {_number(rng, 1, 400)}",
            )
        )
    if kind == 4:
        return rng.choice(
            (
                f"{please}open {rng.choice(_APPS)}",
                f"launch {rng.choice(_APPS)}",
                f"start {rng.choice(_APPS)}",
                f"open {rng.choice(_SITES)}",
                f"go to {rng.choice(_SITES)}",
            )
        )
    if kind == 5:
        return rng.choice(
            (
                "turn the volume up",
                "turn the volume down",
                "volume up",
                "volume down",
                "mute",
                "unmute",
                "louder",
                "quieter",
                "mute the sound",
                f"set the volume to {_number(rng, 0, 100)} percent",
            )
        )
    if kind == 6:
        return rng.choice(
            (
                f"take a note {rng.choice(_NOTES)}",
                f"note that {rng.choice(_NOTES)}",
                f"add a note {rng.choice(_NOTES)}",
                "read my notes",
                "what are my notes",
                "delete my notes",
                f"remember to {rng.choice(_NOTES)}",
            )
        )
    if kind == 7:
        return rng.choice(
            ("tell me a joke", "tell me something funny", "make me laugh", "another joke")
        )
    if kind == 8:
        return rng.choice(
            (
                "what can i say",
                "help",
                "what can you do",
                "list the commands",
                "how do i use this",
            )
        )
    if kind == 9:
        return rng.choice(
            (
                "stop",
                "cancel",
                "never mind",
                "be quiet",
                "repeat that",
                "say that again",
                "repeat",
                "yes",
                "no",
                "go",
                "enter",
                "rubout",
                "okay",
                "thank you",
            )
        )
    if kind == 10:
        return rng.choice(
            (
                "hey computer",
                "okay computer",
                "alexa",
                "jarvis",
                "computer",
                "hello assistant",
                "good morning",
                "good night",
            )
        )
    return (
        f"{please}{rng.choice(('turn on', 'turn off', 'switch on', 'switch off', 'dim'))} the "
        + rng.choice(
            ("lights", "kitchen light", "bedroom lamp", "fan", "heater", "television", "radio")
        )
    )


def broad_sentence(rng: random.Random, words: list[str]) -> str:
    """A random run of 2 to 9 common words; rare words as often as common ones half the time."""
    length = rng.randint(2, 9)
    picked = []
    for _ in range(length):
        if rng.random() < 0.5:
            # log-uniform rank: frequent words often, as in real sentences
            picked.append(words[int(math.exp(rng.uniform(0.0, math.log(len(words))))) - 1])
        else:
            picked.append(rng.choice(words))
    return " ".join(picked)


def number_sentence(rng: random.Random) -> str:
    """Numbers, digit strings or years, spelled out."""
    kind = rng.randrange(4)
    if kind == 0:
        return " ".join(number_to_words(rng.randint(0, 9)) for _ in range(rng.randint(1, 7)))
    if kind == 1:
        return _number(rng, 0, 1000)
    if kind == 2:
        return number_to_words(rng.randint(0, 999_999), british_and=rng.random() < 0.5)
    return f"{number_to_words(rng.randint(19, 20))} {_number(rng, 10, 99)}"


def letters_sentence(rng: random.Random, words: list[str]) -> str:
    """Spelled letters: random ones, or a word spelled out."""
    if rng.random() < 0.5:
        return " ".join(rng.choice(_LETTERS) for _ in range(rng.randint(1, 8)))
    return " ".join(rng.choice(words[:5000]))


def sentences(count: int, seed: int, mix: TextMix = TextMix()) -> Iterator[str]:
    """``count`` normalised sentences, the same for the same seed."""
    rng = random.Random(seed)
    words = english_words()
    kinds = ("commands", "broad", "numbers", "letters", "single_words")
    weights = [getattr(mix, k) for k in kinds]
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        if kind == "commands":
            text = command_sentence(rng)
        elif kind == "broad":
            text = broad_sentence(rng, words)
        elif kind == "numbers":
            text = number_sentence(rng)
        elif kind == "letters":
            text = letters_sentence(rng, words)
        else:
            text = rng.choice(words[:8000])
        yield normalize_text(text)
