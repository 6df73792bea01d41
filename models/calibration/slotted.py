"""Real sentences as commands: each sentence a template whose words are slots.

A user's commands are sentence frames with slots ("add {item} to the shopping list", "set the
{room} lights to {level} percent"). Real people saying such commands are what the confidence
must keep, and the same people saying a frame with a value a list lacks are the near misses it
must reject. No corpus here holds real people saying commands, but real read and
conversational sentences can be made into them: sentences are grouped, each group one grammar
in which every sentence is an intent whose one word (or, for commands with several slots, two
or three words) are slots, each filled from a list of that word and other words
(:data:`LIST_SIZE` in all). For half of a group's sentences one list lacks its spoken word:
those utterances are one word off a command, as a near miss is, and every acceptance of them is
false.

Other words are common English words (or, for a number, other numbers) of about the same
length, three or more letter edits away from the spoken word, so that a homophone ("write" for
"right") is not counted as a different word.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
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
    slots: tuple[str, ...]
    """The slots' (and their lists') names, in the order of the sentence."""
    words: tuple[str, ...]
    """The spoken word each slot stands for."""
    values: tuple[tuple[str, ...], ...]
    """Each slot's list."""

    @property
    def in_grammar(self) -> bool:
        """Whether the spoken sentence is a command of the grammar (every word is listed)."""
        return all(word in values for word, values in zip(self.words, self.values, strict=True))

    @property
    def meaning(self) -> dict[str, str]:
        """The slot values of the spoken sentence (slot name -> word)."""
        return dict(zip(self.slots, self.words, strict=True))

    @property
    def template(self) -> str:
        """The sentence with ``{slot}`` in place of each slot's word."""
        marks = {word: f"{{{slot}}}" for slot, word in zip(self.slots, self.words, strict=True)}
        return _marked(self.transcript, marks)


def _marked(transcript: str, marks: Mapping[str, str]) -> str:
    """``transcript`` with each whole word that ``marks`` names replaced by its mark."""
    return " ".join(marks.get(w, w) for w in transcript.split())


def slot_words(
    transcript: str, rng: random.Random, most: int = 1, least: int = 1
) -> tuple[str, ...] | None:
    """Words of ``transcript`` to become slots, in the sentence's order: as many as it has,
    up to ``most``, each said once, letters only, a number or a content word of four or more
    letters, not the first word of a longer sentence; None when there are fewer than
    ``least``."""
    words = transcript.split()
    candidates = [
        w
        for position, w in enumerate(words)
        if (position > 0 or len(words) <= 2)
        and words.count(w) == 1
        and _SLOT_WORD.match(w)
        and (w in NUMBER_WORDS or (len(w) >= 4 and w not in _FUNCTION_WORDS))
    ]
    count = min(most, len(candidates))
    if count < max(least, 1):
        return None
    if count == 1:  # one draw, as the one-slot parts of set v4 were made
        return (rng.choice(candidates),)
    chosen = set(rng.sample(candidates, count))
    return tuple(w for w in candidates if w in chosen)


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
    transcripts: Sequence[str],
    vocabulary: Sequence[str],
    seed: int,
    most: int = 1,
    least: int = 1,
) -> list[list[SlottedSentence]]:
    """Groups of up to :data:`GROUP_SIZE` sentences (in the order given; those with fewer than
    ``least`` slot words, or whose frame a group already holds, go to the next group or are
    left out), each with up to ``most`` slots; in each group every other sentence has one list
    (of a slot drawn at random) that lacks its spoken word. Every group is checked against its
    own grammar: a listed sentence parses to its intent and words, an unlisted one to
    nothing."""
    rng = random.Random(seed)
    pending = [(t, ws) for t in transcripts if (ws := slot_words(t, rng, most, least)) is not None]
    groups = []
    while pending:
        chosen: list[tuple[str, tuple[str, ...]]] = []
        frames: set[str] = set()
        rest = []
        for transcript, words in pending:
            frame = _marked(transcript, dict.fromkeys(words, "{}"))
            if len(chosen) < GROUP_SIZE and frame not in frames:
                chosen.append((transcript, words))
                frames.add(frame)
            else:
                rest.append((transcript, words))
        group = []
        for k, (transcript, words) in enumerate(chosen):
            listed = k % 2 == 0
            # no draw for a single slot, as the one-slot parts of set v4 were made
            unlisted = None if listed else (words[0] if len(words) == 1 else rng.choice(words))
            lists = []
            for word in words:
                if word == unlisted:
                    values = other_words(word, vocabulary, LIST_SIZE, rng)
                else:
                    values = [word, *other_words(word, vocabulary, LIST_SIZE - 1, rng)]
                rng.shuffle(values)
                lists.append(tuple(values))
            name = f"item_{k + 1:02d}"
            slots = (
                (name,) if len(words) == 1 else tuple(f"{name}_{j + 1}" for j in range(len(words)))
            )
            group.append(SlottedSentence(transcript, f"S{k + 1:02d}", slots, words, tuple(lists)))
        groups.append(_parsing_alike(group))
        pending = rest if len(chosen) > 1 else []
    return [g for g in groups if g]


def _parsing_alike(group: list[SlottedSentence]) -> list[SlottedSentence]:
    """The sentences of ``group`` that its grammar parses as they mean to be parsed."""
    commands = CommandSet.from_yaml(grammar_yaml(group))
    kept = []
    for s in group:
        match = match_text(s.transcript, commands)
        expected = (s.intent, s.meaning) if s.in_grammar else (None, {})
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
        for slot, values in zip(s.slots, s.values, strict=True):
            lines += [f"  {slot}:", "    values:", *(f'      - "{v}"' for v in values)]
    return "\n".join(lines) + "\n"
