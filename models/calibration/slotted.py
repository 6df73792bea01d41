"""Real sentences as commands: each sentence a template whose one word is a slot.

A user's commands are sentence frames with a slot ("add {item} to the shopping list"). Real
people saying such commands are what the confidence must keep, and the same people saying a
frame with a value the list lacks are the near misses it must reject. No corpus here holds real
people saying commands, but real read and conversational sentences can be made into them:
sentences are grouped, each group one grammar in which every sentence is an intent whose one
word is a slot filled from a list of that word and other words (:data:`LIST_SIZE` in all). For
half of a group's sentences the list lacks the spoken word: those utterances are one word off a
command, as a near miss is, and every acceptance of them is false.

Other words are common English words (or, for a number, other numbers) of about the same
length, three or more letter edits away from the spoken word, so that a homophone ("write" for
"right") is not counted as a different word.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assistant.commands.confusion import edit_distance
from assistant.commands.grammar import CommandSet
from assistant.commands.intents import match_text
from assistant.commands.numbers import ONES, TENS

LIST_SIZE = 10
"""Values in each slot's list."""
GROUP_SIZE = 10
"""Sentences per grammar."""
MIN_EDITS = 3
"""Letter edits between the spoken word and any other word of its list."""
NUMBER_WORDS = (*ONES, *TENS[2:], "hundred", "thousand")
"""Number words: a number's list holds other numbers."""
_FUNCTION_WORDS = frozenset(
    {
        *("this", "that", "with", "from", "have", "there", "their", "they", "them", "then"),
        *("than", "what", "when", "where", "which", "were", "will", "would", "could", "should"),
        *("your", "about", "been", "into", "just", "some", "also", "very", "well", "like"),
    }
)
_SLOT_WORD = re.compile(r"^[a-z]+$")
_VOWEL = re.compile(r"[aeiouy]")


@dataclass(frozen=True)
class SlottedSentence:
    """One spoken sentence made a command of a group's grammar."""

    transcript: str
    intent: str
    """The sentence's intent in its group's grammar (``S01`` ...)."""
    slot: str
    """The slot's (and its list's) name."""
    word: str
    """The spoken word the slot stands for."""
    values: tuple[str, ...]
    """The slot's list."""

    @property
    def in_grammar(self) -> bool:
        """Whether the spoken sentence is a command of the grammar (its word is listed)."""
        return self.word in self.values

    @property
    def template(self) -> str:
        """The sentence with ``{slot}`` in place of its word."""
        return _frame(self.transcript, self.word, f"{{{self.slot}}}")


def _frame(transcript: str, word: str, mark: str = "{}") -> str:
    """``transcript`` with ``mark`` in place of the whole word ``word``."""
    return " ".join(mark if w == word else w for w in transcript.split())


def slot_word(transcript: str, rng: random.Random) -> str | None:
    """A word of ``transcript`` to become the slot: said once, letters only, a number or a
    content word of four or more letters, not the first word of a longer sentence; None when
    there is none."""
    words = transcript.split()
    candidates = [
        w
        for position, w in enumerate(words)
        if (position > 0 or len(words) <= 2)
        and words.count(w) == 1
        and _SLOT_WORD.match(w)
        and (w in NUMBER_WORDS or (len(w) >= 4 and w not in _FUNCTION_WORDS))
    ]
    return rng.choice(candidates) if candidates else None


def other_words(word: str, vocabulary: Sequence[str], count: int, rng: random.Random) -> list[str]:
    """``count`` words to list beside ``word``: numbers for a number, else words of
    ``vocabulary`` within two letters of its length and :data:`MIN_EDITS` edits away."""
    if word in NUMBER_WORDS:
        pool = [n for n in NUMBER_WORDS if n != word]
    else:
        pool = [
            v
            for v in vocabulary
            if _SLOT_WORD.match(v)
            and _VOWEL.search(v)
            and v not in NUMBER_WORDS
            and abs(len(v) - len(word)) <= 2
            and edit_distance(v, word, MIN_EDITS) >= MIN_EDITS
        ]
    return rng.sample(pool, min(count, len(pool)))


def slot_sentences(
    transcripts: Sequence[str], vocabulary: Sequence[str], seed: int
) -> list[list[SlottedSentence]]:
    """Groups of up to :data:`GROUP_SIZE` sentences (in the order given; those without a slot
    word, or whose frame a group already holds, go to the next group or are left out); in each
    group every other sentence's list lacks its spoken word. Every group is checked against its
    own grammar: a listed sentence parses to its intent and word, an unlisted one to nothing."""
    rng = random.Random(seed)
    pending = [(t, w) for t in transcripts if (w := slot_word(t, rng)) is not None]
    groups = []
    while pending:
        chosen: list[tuple[str, str]] = []
        frames: set[str] = set()
        rest = []
        for transcript, word in pending:
            frame = _frame(transcript, word)
            if len(chosen) < GROUP_SIZE and frame not in frames:
                chosen.append((transcript, word))
                frames.add(frame)
            else:
                rest.append((transcript, word))
        group = []
        for k, (transcript, word) in enumerate(chosen):
            listed = k % 2 == 0
            others = other_words(word, vocabulary, LIST_SIZE - 1 if listed else LIST_SIZE, rng)
            values = [word, *others] if listed else others
            rng.shuffle(values)
            slot = f"item_{k + 1:02d}"
            group.append(SlottedSentence(transcript, f"S{k + 1:02d}", slot, word, tuple(values)))
        groups.append(_parsing_alike(group))
        pending = rest if len(chosen) > 1 else []
    return [g for g in groups if g]


def _parsing_alike(group: list[SlottedSentence]) -> list[SlottedSentence]:
    """The sentences of ``group`` that its grammar parses as they mean to be parsed."""
    commands = CommandSet.from_yaml(grammar_yaml(group))
    kept = []
    for s in group:
        match = match_text(s.transcript, commands)
        expected = (s.intent, {s.slot: s.word}) if s.in_grammar else (None, {})
        if (match.intent, dict(match.slots)) == expected:
            kept.append(s)
    return kept


def grammar_yaml(group: Sequence[SlottedSentence]) -> str:
    """The command file of one group: an intent per sentence, a list per slot."""
    lines = ["intents:"]
    for s in group:
        lines += [f"  {s.intent}:", f'    - "{s.template}"']
    lines.append("lists:")
    for s in group:
        lines += [f"  {s.slot}:", "    values:", *(f'      - "{v}"' for v in s.values)]
    return "\n".join(lines) + "\n"
