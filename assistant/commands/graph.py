"""Compiling templates to a deterministic character automaton for constrained CTC decoding.

Every word is compiled as a space token followed by its letters, so word boundaries are the
model's " " token. The decoder starts in the state after that first, virtual space, which makes
a leading space optional; accepting states may also be followed by spaces (trailing silence).
A free-text slot is a state with a transition on every character to itself: inside it the
search is unconstrained.

Number and duration slots are compiled from their structured grammars (see
:mod:`assistant.commands.numbers`), so a range of a million numbers costs a few thousand states.
The subset construction stops with :class:`GrammarTooLargeError` past ``max_states``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from itertools import chain

import numpy as np

from assistant.commands.errors import GrammarTooLargeError
from assistant.commands.expression import Alternative, Expression, Sequence, Slot, Word
from assistant.vocabulary import BLANK_ID, CHARACTERS, TOKENS

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_STATES = 500_000
"""Default limit on automaton states (both the intermediate NFA and the DFA)."""
SPACE_ID = TOKENS.index(" ")
"""Token id of the word boundary."""
LETTER_STEP, SPACE_STEP, FREE_TEXT_STEP = range(3)
"""Kinds of transition in :attr:`CharGraph.steps` (its low two bits)."""
_CHAR_IDS = {c: TOKENS.index(c) for c in CHARACTERS}
_NON_SPACE_IDS = tuple(i for c, i in _CHAR_IDS.items() if c != " ")
_ALL_IDS = tuple(_CHAR_IDS.values())

SlotBody = Callable[[Slot], Expression | None]


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

    def __post_init__(self) -> None:
        """Build the search's arrays now, where the graph is compiled (off the GUI thread,
        when commands load), rather than in the first command's recognition."""
        for name in ("steps", "accepting_mask"):
            getattr(self, name)

    @cached_property
    def steps(self) -> np.ndarray:
        """(states, tokens) int32 array of :attr:`arcs` as the search reads them: ``4 *
        next state + kind`` for each transition, the kind being how the search scores it
        (:data:`LETTER_STEP`, :data:`SPACE_STEP`, or :data:`FREE_TEXT_STEP` within a free-text
        slot), and -1 where a token leads nowhere (the blank column always). 116 bytes per
        state; one lookup gives the search both what a step leads to and what it earns."""
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

    @property
    def num_states(self) -> int:
        """Number of states."""
        return len(self.arcs)

    @property
    def num_arcs(self) -> int:
        """Number of transitions."""
        return sum(len(a) for a in self.arcs)

    def accepts(self, text: str) -> bool:
        """Whether the automaton accepts ``text`` (normalised, single spaces) from the start."""
        state = self.start
        for char in text:
            target = self.arcs[state].get(_CHAR_IDS.get(char, BLANK_ID))
            if target is None:
                return False
            state = target
        return self.accepting[state]


class _Nfa:
    """Epsilon-NFA under construction (Thompson style, no loops except free text)."""

    def __init__(self, slot_body: SlotBody, max_states: int) -> None:
        self.slot_body = slot_body
        self.max_states = max_states
        self.eps: list[list[int]] = []
        self.edges: list[list[tuple[int, int]]] = []
        self.free: set[int] = set()
        self.final: set[int] = set()

    def new(self) -> int:
        if len(self.eps) >= self.max_states:
            raise GrammarTooLargeError(
                None,
                None,
                f"the grammar needs more than {self.max_states} automaton states; "
                "narrow number ranges or split long lists",
            )
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def add(self, expression: Expression, start: int) -> int:
        """Add ``expression`` leaving from ``start``; returns its end state."""
        if isinstance(expression, Word):
            state = start
            for char in " " + expression.text:
                target = self.new()
                self.edges[state].append((_CHAR_IDS[char], target))
                state = target
            return state
        if isinstance(expression, Sequence):
            state = start
            for item in expression.items:
                state = self.add(item, state)
            return state
        if isinstance(expression, Alternative):
            end = self.new()
            for option in expression.options:
                self.eps[self.add(option, start)].append(end)
            return end
        body = self.slot_body(expression)
        if body is not None:
            return self.add(body, start)
        # Free text: a space, one non-space character, then anything.
        space, anything = self.new(), self.new()
        self.edges[start].append((_CHAR_IDS[" "], space))
        self.edges[space].extend((token, anything) for token in _NON_SPACE_IDS)
        self.edges[anything].extend((token, anything) for token in _ALL_IDS)
        self.free.add(anything)
        return anything


def compile_graph(
    expressions: Iterable[Expression], slot_body: SlotBody, max_states: int = DEFAULT_MAX_STATES
) -> CharGraph:
    """Deterministic automaton of the union of ``expressions`` (see the module docstring)."""
    nfa = _Nfa(slot_body, max_states)
    start = nfa.new()
    nfa.edges[start].append((SPACE_ID, start))  # leading spaces
    final, trailing = nfa.new(), nfa.new()
    nfa.edges[final].append((SPACE_ID, trailing))
    nfa.edges[trailing].append((SPACE_ID, trailing))
    for expression in expressions:
        nfa.eps[nfa.add(expression, start)].append(final)
    accepting_nfa = {final, trailing}

    closures: dict[int, frozenset[int]] = {}

    def closure(state: int) -> frozenset[int]:
        found = closures.get(state)
        if found is None:
            stack, seen = [state], {state}
            while stack:
                for target in nfa.eps[stack.pop()]:
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            found = closures[state] = frozenset(seen)
        return found

    first = closure(start)
    index: dict[frozenset[int], int] = {first: 0}
    subsets = [first]
    arcs: list[dict[int, int]] = []
    while len(arcs) < len(subsets):
        subset = subsets[len(arcs)]
        moves: dict[int, set[int]] = {}
        for state in subset:
            for token, target in nfa.edges[state]:
                moves.setdefault(token, set()).update(closure(target))
        state_arcs: dict[int, int] = {}
        for token, targets in moves.items():
            key = frozenset(targets)
            number = index.get(key)
            if number is None:
                if len(subsets) >= max_states:
                    raise GrammarTooLargeError(
                        None,
                        None,
                        f"the grammar's automaton has more than {max_states} states; "
                        "narrow number ranges or split long lists",
                    )
                number = index[key] = len(subsets)
                subsets.append(key)
            state_arcs[token] = number
        arcs.append(state_arcs)
    accepting = tuple(bool(s & accepting_nfa or s & nfa.free) for s in subsets)
    free_text = tuple(bool(s & nfa.free) for s in subsets)
    decoder_start = arcs[0].get(SPACE_ID, 0)
    _LOGGER.debug("compiled %d NFA states into %d DFA states", len(nfa.eps), len(arcs))
    return CharGraph(
        tuple(arcs), accepting, free_text, decoder_start, _exit_tokens(arcs, accepting)
    )


def _exit_tokens(arcs: list[dict[int, int]], accepting: tuple[bool, ...]) -> tuple[int, ...]:
    """Breadth-first search backwards from the accepting states."""
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
