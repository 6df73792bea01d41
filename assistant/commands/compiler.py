"""Compiling templates to the character automaton (:class:`~assistant.decoding.graph.CharGraph`)
that constrained CTC decoding walks.

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
from collections.abc import Callable, Iterable

from assistant.commands.errors import GrammarTooLargeError
from assistant.commands.expression import EMPTY, Alternative, Expression, Sequence, Slot, Word
from assistant.decoding.graph import CharGraph
from assistant.vocabulary import CHAR_IDS, SPACE_ID

_LOGGER = logging.getLogger(__name__)

DEFAULT_MAX_STATES = 500_000
"""Default limit on automaton states (both the intermediate NFA and the DFA)."""
_NON_SPACE_IDS = tuple(i for c, i in CHAR_IDS.items() if c != " ")
_ALL_IDS = tuple(CHAR_IDS.values())

SlotBody = Callable[[Slot], Expression | None]


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
                self.edges[state].append((CHAR_IDS[char], target))
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
        self.edges[start].append((SPACE_ID, space))
        self.edges[space].extend((token, anything) for token in _NON_SPACE_IDS)
        self.edges[anything].extend((token, anything) for token in _ALL_IDS)
        self.free.add(anything)
        return anything


def compile_graph(
    expressions: Iterable[Expression],
    slot_body: SlotBody,
    max_states: int = DEFAULT_MAX_STATES,
    *,
    lead_in: Expression = EMPTY,
    closing: Expression = EMPTY,
) -> CharGraph:
    """Deterministic automaton of the union of ``expressions`` (see the module docstring),
    each led in by ``lead_in`` and closed by ``closing`` (one copy of each around the union:
    see :mod:`assistant.commands.courtesy`)."""
    nfa = _Nfa(slot_body, max_states)
    start = nfa.new()
    nfa.edges[start].append((SPACE_ID, start))  # leading spaces
    final, trailing = nfa.new(), nfa.new()
    nfa.edges[final].append((SPACE_ID, trailing))
    nfa.edges[trailing].append((SPACE_ID, trailing))
    first_filler = len(nfa.eps)
    body_start, body_end = nfa.add(lead_in, start), nfa.new()
    nfa.eps[nfa.add(closing, body_end)].append(final)
    # the states of lead_in and closing (where they join the templates only spaces are read,
    # and a space is never a filler's letter)
    fillers = range(first_filler, len(nfa.eps))
    for expression in expressions:
        nfa.eps[nfa.add(expression, body_start)].append(body_end)
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
    filler_tokens: list[frozenset[int]] = []
    subsets = [first]
    arcs: list[dict[int, int]] = []
    while len(arcs) < len(subsets):
        subset = subsets[len(arcs)]
        moves: dict[int, set[int]] = {}
        not_filler: set[int] = set()  # tokens that some state outside the fillers reads
        for state in subset:
            for token, target in nfa.edges[state]:
                moves.setdefault(token, set()).update(closure(target))
                if state not in fillers:
                    not_filler.add(token)
        filler_tokens.append(frozenset(moves.keys() - not_filler))
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
    return CharGraph.build(arcs, accepting, free_text, decoder_start, filler_tokens)
