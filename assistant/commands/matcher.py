"""Matching a known text against the grammar's templates: intent, slot spans, typed values."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from assistant.commands.courtesy import LEAD_IN, spoken_form
from assistant.commands.expression import Alternative, Expression, Sequence, Slot, SlotKind, Word
from assistant.commands.grammar import Grammar, Template
from assistant.commands.numbers import parse_duration, parse_number
from assistant.vocabulary import normalize_text

SlotValue = int | str
"""A typed slot value: int for numbers, int seconds for durations, str for lists and text."""


@dataclass(frozen=True)
class SlotMatch:
    """One slot filled by a span of the text."""

    name: str
    """The slot's name."""
    kind: SlotKind
    """What the slot holds."""
    value: SlotValue
    """Its typed value."""
    text: str
    """The words that filled it."""
    start: int
    """Character offset of the span in the matched text."""
    end: int
    """Character offset just past the span."""


@dataclass(frozen=True)
class TextMatch:
    """A text matched by one template."""

    intent: str
    """The intent of the template."""
    slots: tuple[SlotMatch, ...]
    """The filled slots, in sentence order."""
    text: str
    """The normalised text."""
    template: Template
    """The template that matched."""

    @property
    def values(self) -> dict[str, SlotValue]:
        """Slot name -> typed value."""
        return {slot.name: slot.value for slot in self.slots}


_Capture = tuple[Slot, int, int]


def _match(
    expression: Expression, words: list[str], pos: int, grammar: Grammar
) -> Iterator[tuple[int, tuple[_Capture, ...]]]:
    """Every (end position, captures) of ``expression`` matching ``words`` from ``pos``."""
    if isinstance(expression, Word):
        if pos < len(words) and words[pos] == expression.text:
            yield pos + 1, ()
    elif isinstance(expression, Sequence):
        yield from _match_items(expression.items, 0, words, pos, grammar)
    elif isinstance(expression, Alternative):
        for option in expression.options:
            yield from _match(option, words, pos, grammar)
    else:
        body = grammar.slot_body(expression)
        if body is None:  # free text: shortest first, so that a closing "please" is no text
            for end in range(pos + 1, len(words) + 1):
                yield end, ((expression, pos, end),)
            return
        seen = set()
        for end, _ in _match(body, words, pos, grammar):
            if end not in seen:
                seen.add(end)
                yield end, ((expression, pos, end),)


def _match_items(
    items: tuple[Expression, ...], index: int, words: list[str], pos: int, grammar: Grammar
) -> Iterator[tuple[int, tuple[_Capture, ...]]]:
    if index == len(items):
        yield pos, ()
        return
    for middle, first in _match(items[index], words, pos, grammar):
        for end, rest in _match_items(items, index + 1, words, middle, grammar):
            yield end, first + rest


def _typed(slot: Slot, words: tuple[str, ...], grammar: Grammar) -> SlotValue:
    text = " ".join(words)
    if slot.kind is SlotKind.NUMBER:
        return parse_number(text)
    if slot.kind is SlotKind.DURATION:
        return parse_duration(text)
    if slot.kind is SlotKind.LIST:
        return grammar.list_value(slot, words)
    return text


def match_template(template: Template, text: str, grammar: Grammar) -> TextMatch | None:
    """Match normalised ``text`` against one template; None when it does not fit."""
    words = text.split()
    offsets = [0]
    for word in words:
        offsets.append(offsets[-1] + len(word) + 1)
    for end, captures in _match(spoken_form(template.expression), words, 0, grammar):
        if end != len(words):
            continue
        slots = []
        for slot, first, last in captures:
            span = tuple(words[first:last])
            try:
                value = _typed(slot, span, grammar)
            except (ValueError, KeyError):
                break  # words that fit the grammar but not the value (cannot happen by design)
            start, stop = offsets[first], offsets[last] - 1
            slots.append(SlotMatch(slot.name, slot.kind, value, " ".join(span), start, stop))
        else:
            return TextMatch(template.intent, tuple(slots), " ".join(words), template)
    return None


def parse_text(text: str, grammar: Grammar) -> TextMatch | None:
    """The first template (in file order) that matches ``text``; None when none does."""
    normalized = normalize_text(text)
    if not normalized:
        return None
    words = normalized.split()
    # the words a template's sentence may begin with, after what leads into every command
    openings = {words[end] for end, _ in _match(LEAD_IN, words, 0, grammar) if end < len(words)}
    for template, first in grammar.openings:
        if first is not None and first.isdisjoint(openings):
            continue
        found = match_template(template, normalized, grammar)
        if found is not None:
            return found
    return None
