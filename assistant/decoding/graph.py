"""The character automaton that constrained decoding walks.

A :class:`CharGraph` is a deterministic automaton over token ids (the blank excluded). Command
grammars compile into one (:mod:`assistant.commands.compiler`), word lists into another
(:mod:`assistant.decoding.lexicon`); :func:`assistant.decoding.constrained.constrained_decode`
searches either the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np

from assistant.vocabulary import BLANK_ID, CHAR_IDS, SPACE_ID, TOKENS

LETTER_STEP, SPACE_STEP, FREE_TEXT_STEP, FILLER_STEP = range(4)
"""Kinds of transition in :attr:`CharGraph.steps` (its low two bits)."""


@dataclass(frozen=True)
class CharGraph:
    """A deterministic automaton over token ids (blank excluded)."""

    arcs: tuple[dict[int, int], ...]
    """Per state: token id -> next state."""
    accepting: tuple[bool, ...]
    """Per state: whether a sentence may end here."""
    free_text: tuple[bool, ...]
    """Per state: whether it lies inside a free-text slot (every character allowed)."""
    start: int
    """The state the decoder starts in (after the virtual leading space)."""
    exit_tokens: tuple[int, ...]
    """Per state: the first token of a shortest way to an accepting state (-1 if accepting)."""
    filler_tokens: tuple[frozenset[int], ...] = ()
    """Per state (or none at all): the letters that can only be letters of filler words,
    words said around a command that do not change it ("um", "please": see
    :mod:`assistant.commands.courtesy`)."""

    @classmethod
    def build(
        cls,
        arcs: Sequence[dict[int, int]],
        accepting: Sequence[bool],
        free_text: Sequence[bool],
        start: int,
        filler_tokens: Sequence[frozenset[int]] = (),
    ) -> CharGraph:
        """A graph of ``arcs`` with its :attr:`exit_tokens` computed."""
        accepting_t = tuple(accepting)
        exits = exit_tokens(arcs, accepting_t)
        return cls(tuple(arcs), accepting_t, tuple(free_text), start, exits, tuple(filler_tokens))

    def __post_init__(self) -> None:
        """Build the search's arrays now, where the graph is compiled (off the GUI thread,
        when commands load), rather than in the first command's recognition."""
        for name in ("steps", "accepting_mask"):
            getattr(self, name)

    @cached_property
    def steps(self) -> np.ndarray:
        """(states, tokens) int32 array of :attr:`arcs` as the search reads them: ``4 *
        next state + kind`` for each transition, the kind being how the search scores it
        (:data:`LETTER_STEP`, :data:`SPACE_STEP`, :data:`FREE_TEXT_STEP` within a free-text
        slot, or :data:`FILLER_STEP` for a letter of :attr:`filler_tokens`), and -1 where a
        token leads nowhere (the blank column always). 116 bytes per state; one lookup gives
        the search both what a step leads to and what it earns."""
        table = np.full((len(self.arcs), len(TOKENS)), -1, dtype=np.int32)
        counts = np.fromiter(map(len, self.arcs), dtype=np.int64, count=len(self.arcs))
        states = np.repeat(np.arange(len(self.arcs)), counts)
        tokens = np.fromiter(chain.from_iterable(self.arcs), dtype=np.int64, count=states.size)
        targets = np.fromiter(
            chain.from_iterable(arcs.values() for arcs in self.arcs),
            dtype=np.int32,
            count=states.size,
        )
        kinds = np.where(tokens == SPACE_ID, SPACE_STEP, LETTER_STEP)
        free = self.free_text_mask
        kinds[free[states] & free[targets]] = FREE_TEXT_STEP
        if self.has_fillers:
            filler = np.zeros(table.shape, dtype=bool)
            for state, letters in enumerate(self.filler_tokens):
                filler[state, list(letters)] = True
            kinds[filler[states, tokens] & (tokens != SPACE_ID)] = FILLER_STEP
        table[states, tokens] = 4 * targets + kinds
        return table

    @cached_property
    def accepting_mask(self) -> np.ndarray:
        """:attr:`accepting` as a boolean array."""
        return np.array(self.accepting, dtype=bool)

    @cached_property
    def free_text_mask(self) -> np.ndarray:
        """:attr:`free_text` as a boolean array."""
        return np.array(self.free_text, dtype=bool)

    @cached_property
    def has_fillers(self) -> bool:
        """Whether any letter is a filler's (:attr:`filler_tokens`)."""
        return any(self.filler_tokens)

    @property
    def num_states(self) -> int:
        """Number of states."""
        return len(self.arcs)

    @property
    def num_arcs(self) -> int:
        """Number of transitions."""
        return sum(len(a) for a in self.arcs)

    def filler_letters(self, text: str) -> int:
        """How many letters of ``text`` (normalised, from the start) are read as filler
        letters (:attr:`filler_tokens`): those that earn the search no bonus."""
        state, count = self.start, 0
        for char in text:
            token = CHAR_IDS.get(char, BLANK_ID)
            target = self.arcs[state].get(token)
            if target is None:
                break
            if self.filler_tokens and token in self.filler_tokens[state] and char != " ":
                count += 1
            state = target
        return count

    def accepts(self, text: str) -> bool:
        """Whether the automaton accepts ``text`` (normalised, single spaces) from the start."""
        state = self.start
        for char in text:
            target = self.arcs[state].get(CHAR_IDS.get(char, BLANK_ID))
            if target is None:
                return False
            state = target
        return self.accepting[state]


def exit_tokens(arcs: Sequence[dict[int, int]], accepting: Sequence[bool]) -> tuple[int, ...]:
    """Per state, the first token of a shortest way to an accepting state (-1 if accepting):
    a breadth-first search backwards from the accepting states."""
    incoming: list[list[tuple[int, int]]] = [[] for _ in arcs]
    for state, state_arcs in enumerate(arcs):
        for token, target in state_arcs.items():
            incoming[target].append((token, state))
    exits = [-1] * len(arcs)
    done = list(accepting)
    queue = deque(state for state, final in enumerate(accepting) if final)
    while queue:
        target = queue.popleft()
        for token, state in incoming[target]:
            if not done[state]:
                done[state], exits[state] = True, token
                queue.append(state)
    return tuple(exits)
