"""A few clean jokes, dealt like a shuffled deck so none repeats back to back."""

from __future__ import annotations

import random
import threading
from collections.abc import Sequence

JOKES = (
    "I told my computer I needed a break, and it said: no problem, I'll go to sleep.",
    "Why did the scarecrow win an award? Because he was outstanding in his field.",
    "Why don't skeletons fight each other? They don't have the guts.",
    "What do you call a fake noodle? An impasta.",
    "Why did the bicycle fall over? It was two tired.",
    "I'm reading a book about anti-gravity. It's impossible to put down.",
    "Why can't a nose be twelve inches long? Because then it would be a foot.",
    "What do you call a bear with no teeth? A gummy bear.",
    "Why did the math book look sad? It had too many problems.",
    "How does a penguin build its house? Igloos it together.",
)
"""The built-in jokes: short, clean, and easy for a speech engine to read."""


class JokeTeller:
    """Tells every joke once per round, in a fresh random order, never the same twice running."""

    def __init__(self, jokes: Sequence[str] = JOKES, rng: random.Random | None = None) -> None:
        """``jokes`` to tell (at least one); ``rng`` for a reproducible order."""
        if not jokes:
            raise ValueError("a joke teller needs at least one joke, got none")
        self._jokes = tuple(jokes)
        self._rng = rng or random.Random()
        self._deck: list[str] = []
        self._last: str | None = None
        self._lock = threading.Lock()

    def next(self) -> str:
        """The next joke."""
        with self._lock:
            if not self._deck:
                self._deck = list(self._jokes)
                self._rng.shuffle(self._deck)
                # The deck is dealt from its end: keep the last joke told away from there.
                if len(self._deck) > 1 and self._deck[-1] == self._last:
                    self._deck[0], self._deck[-1] = self._deck[-1], self._deck[0]
            self._last = self._deck.pop()
            return self._last
