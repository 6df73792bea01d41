"""Finding sentences of different intents that sound alike: few character edits apart.

Used by ``assistant commands check``: large grammars are sampled, not expanded.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from assistant.commands.expression import (
    Alternative,
    Expression,
    Sequence,
    SlotKind,
    Word,
    can_be_empty,
)
from assistant.commands.grammar import Grammar

FREE_TEXT_PLACEHOLDER = "something"
"""What a sampled free-text slot says."""


@dataclass(frozen=True)
class ConfusablePair:
    """Two sentences of different intents a few character edits apart."""

    distance: int
    """Character edit distance."""
    first: tuple[str, str]
    """(intent, sentence)."""
    second: tuple[str, str]
    """(intent, sentence)."""


_ARTICLES = {Word("a"), Word("an")}
_ARTICLE, _OPTIONAL_ARTICLE = "\0article", "\0optional article"
"""Stand for "a" or "an" (or, the second, nothing) while sampling, until the next word says
which one people say."""


def _sample(expression: Expression, grammar: Grammar, rng: random.Random) -> list[str]:
    if isinstance(expression, Word):
        return [expression.text]
    if isinstance(expression, Sequence):
        return [w for item in expression.items for w in _sample(item, grammar, rng)]
    if isinstance(expression, Alternative):
        chosen = rng.choice(expression.options)
        if chosen in _ARTICLES and set(expression.options) >= _ARTICLES:
            return [_OPTIONAL_ARTICLE if can_be_empty(expression) else _ARTICLE]
        return _sample(chosen, grammar, rng)
    if expression.kind is SlotKind.TEXT:
        return [FREE_TEXT_PLACEHOLDER]
    body = grammar.slot_body(expression)
    return _sample(body, grammar, rng) if body is not None else []


def _sounds_like_vowel(word: str) -> bool:
    """Whether ``word`` starts with a vowel sound, so takes "an" ("an eight", "an hour")."""
    if word.startswith(("one", "once", "uni", "use", "eu")):
        return False
    return word.startswith(("a", "e", "i", "o", "u", "hour", "honest"))


def _agree_articles(words: list[str]) -> list[str]:
    """Words with each free choice of "a" or "an" settled by the next word, as people speak:
    "an eight minute timer", "a ten minute timer", and no article before the number's own "a"
    ("set a hundred second timer")."""
    agreed = []
    for word, following in zip(words, [*words[1:], ""], strict=True):
        if word not in (_ARTICLE, _OPTIONAL_ARTICLE):
            agreed.append(word)
        elif word == _ARTICLE or following not in ("a", "an", ""):
            agreed.append("an" if _sounds_like_vowel(following) else "a")
    return agreed


def sample_sentences(
    grammar: Grammar, per_template: int = 30, seed: int = 0
) -> list[tuple[str, str]]:
    """Up to ``per_template`` distinct random (intent, sentence) expansions of each template."""
    rng = random.Random(seed)
    found: dict[tuple[str, str], None] = {}
    for template in grammar.templates:
        mine: set[str] = set()
        for _ in range(per_template * 3):
            mine.add(" ".join(_agree_articles(_sample(template.expression, grammar, rng))))
            if len(mine) >= per_template:
                break
        found.update(((template.intent, text), None) for text in sorted(mine))
    return list(found)


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        previous = _next_row(previous, i, char, b)
        if min(previous) > limit:
            return limit + 1
    return previous[-1]


def _next_row(previous: list[int], i: int, char: str, b: str) -> list[int]:
    """Row ``i`` of the Levenshtein table of ``a`` (whose ``i``-th character is ``char``)
    against ``b``, from row ``i - 1``."""
    current = [i]
    for j, other in enumerate(b, 1):
        current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
    return current


def prefix_distance(a: str, b: str) -> int:
    """Levenshtein distance of ``a`` and the prefix of ``b`` closest to it."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        previous = _next_row(previous, i, char, b)
    return min(previous)


def confusable_pairs(
    sentences: list[tuple[str, str]], max_distance: int = 2, limit: int = 50
) -> list[ConfusablePair]:
    """Pairs of different intents at most ``max_distance`` edits apart, closest first."""
    pairs = []
    for i, (intent, text) in enumerate(sentences):
        for other_intent, other in sentences[i + 1 :]:
            if other_intent == intent:
                continue
            distance = edit_distance(text, other, max_distance)
            if distance <= max_distance:
                pairs.append(ConfusablePair(distance, (intent, text), (other_intent, other)))
    pairs.sort(key=lambda p: (p.distance, p.first, p.second))
    return pairs[:limit]
