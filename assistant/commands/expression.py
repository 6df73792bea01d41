"""Sentence templates as expression trees, and the parser of the template syntax.

``set [a] timer for {duration}`` reads as a :class:`Sequence` of :class:`Word`, an
:class:`Alternative` with an empty option (the optional ``[a]``) and a :class:`Slot`. The syntax
follows hassil: ``(a | b)`` alternatives, ``[x]`` optional, ``{list}`` or ``{name:list}`` list
slots, ``{name:number LOW..HIGH}``, ``{name:duration}``, ``{name:text}`` (end of sentence only).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from assistant.commands.errors import TemplateError

MAX_NUMBER = 999_999
"""Largest number a ``number`` slot can hold (the spoken-number grammar stops there)."""


class SlotKind(enum.Enum):
    """What a slot holds and how its value is typed."""

    LIST = "list"
    """One value of a named list; the value is the list entry's ``out`` string."""
    NUMBER = "number"
    """A spoken whole number within a range; the value is an int."""
    DURATION = "duration"
    """A spoken duration; the value is an int of seconds."""
    TEXT = "text"
    """Free text up to the end of the sentence; the value is the str heard."""


@dataclass(frozen=True)
class Word:
    """One literal word (lower case, the model's characters only)."""

    text: str
    """The word, e.g. ``"timer"``."""


@dataclass(frozen=True)
class Sequence:
    """Items spoken one after another; the empty sequence matches nothing (epsilon)."""

    items: tuple[Expression, ...]
    """The parts, in order."""


@dataclass(frozen=True)
class Alternative:
    """Exactly one of the options; ``[x]`` is an alternative of ``x`` and the empty sequence."""

    options: tuple[Expression, ...]
    """The choices, in template order."""


@dataclass(frozen=True)
class Slot:
    """A placeholder whose spoken words become a typed value."""

    name: str
    """Slot name, the key in the recognised slots."""
    kind: SlotKind
    """What the slot holds."""
    list_name: str | None = None
    """For :attr:`SlotKind.LIST`: the list the values come from."""
    low: int = 0
    """For :attr:`SlotKind.NUMBER`: smallest allowed value."""
    high: int = 0
    """For :attr:`SlotKind.NUMBER`: largest allowed value (inclusive)."""


Expression = Word | Sequence | Alternative | Slot

EMPTY = Sequence(())
"""The expression that matches the empty word sequence."""

MAX_NESTING = 100
"""Deepest bracket nesting a template may use (deeper would exhaust Python's recursion)."""
_SPECIAL = "()[]{}|"
_RANGE = re.compile(r"^(-?\d+)\s*\.\.\s*(-?\d+)$")
_DROPPED_PUNCTUATION = str.maketrans({c: " " for c in ',.?!;:"-'})
_WORD_CHARS = re.compile(r"^[a-z']+$")
_SLOT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def words_of(text: str, what: str = "text") -> tuple[str, ...]:
    """Words of literal ``text``: lower-cased, punctuation dropped; raises TemplateError."""
    words = text.lower().replace("\u2019", "'").translate(_DROPPED_PUNCTUATION).split()
    for word in words:
        if not _WORD_CHARS.match(word):
            bad = sorted({c for c in word if not ("a" <= c <= "z" or c == "'")})
            hint = " (write numbers in words)" if any(c.isdigit() for c in bad) else ""
            raise TemplateError(
                f"{what} {text!r} has characters the model cannot say: {''.join(bad)!r}{hint}"
            )
    return tuple(words)


def _parse_slot(body: str, list_names: Collection[str]) -> Slot:
    name, _, spec = body.partition(":")
    name, spec = name.strip(), spec.strip()
    if not _SLOT_NAME.match(name):
        raise TemplateError(f"bad slot name {name!r} in {{{body}}}")
    if not spec:
        if name in list_names:
            return Slot(name, SlotKind.LIST, list_name=name)
        if name == SlotKind.DURATION.value:
            return Slot(name, SlotKind.DURATION)
        raise TemplateError(f"unknown list {name!r} in {{{body}}}")
    type_name, _, args = spec.partition(" ")
    args = args.strip()
    if type_name == SlotKind.NUMBER.value:
        match = _RANGE.match(args)
        if not match:
            raise TemplateError(
                f"bad range {args!r} in {{{body}}}: expected LOW..HIGH, e.g. number 1..120"
            )
        low, high = int(match[1]), int(match[2])
        if not 0 <= low <= high <= MAX_NUMBER:
            raise TemplateError(
                f"bad range {low}..{high} in {{{body}}}: expected 0 <= LOW <= HIGH <= {MAX_NUMBER}"
            )
        return Slot(name, SlotKind.NUMBER, low=low, high=high)
    if args:
        raise TemplateError(f"slot type {type_name!r} takes no arguments, got {args!r}")
    if type_name == SlotKind.DURATION.value:
        return Slot(name, SlotKind.DURATION)
    if type_name == SlotKind.TEXT.value:
        return Slot(name, SlotKind.TEXT)
    if type_name in list_names:
        return Slot(name, SlotKind.LIST, list_name=type_name)
    raise TemplateError(
        f"unknown slot type {type_name!r} in {{{body}}}: expected number, duration, text "
        "or the name of a list"
    )


class _Parser:
    """Recursive descent over the template's characters."""

    def __init__(self, text: str, list_names: Collection[str]) -> None:
        self.text = text
        self.pos = 0
        self.list_names = list_names
        self.depth = 0

    def parse(self) -> Expression:
        return self._alternative(closing=None)

    def _alternative(self, closing: str | None) -> Expression:
        if closing is not None:
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise TemplateError(
                    f"brackets nested more than {MAX_NESTING} deep at column {self.pos}"
                )
        options = [self._sequence()]
        while self.pos < len(self.text) and self.text[self.pos] == "|":
            self.pos += 1
            options.append(self._sequence())
        if closing is None:
            if self.pos < len(self.text):
                raise TemplateError(f"unbalanced {self.text[self.pos]!r} at column {self.pos + 1}")
        elif self.pos >= len(self.text) or self.text[self.pos] != closing:
            raise TemplateError(f"unbalanced bracket: {closing!r} missing")
        else:
            self.pos += 1
            self.depth -= 1
        return options[0] if len(options) == 1 else Alternative(tuple(options))

    def _sequence(self) -> Expression:
        items: list[Expression] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in "|)]}":
                break
            if char == "(":
                self.pos += 1
                items.append(self._alternative(closing=")"))
            elif char == "[":
                self.pos += 1
                inner = self._alternative(closing="]")
                options = inner.options if isinstance(inner, Alternative) else (inner,)
                items.append(Alternative((*options, EMPTY)))
            elif char == "{":
                end = self.text.find("}", self.pos)
                nested = self.text.find("{", self.pos + 1)
                if end < 0 or 0 <= nested < end:
                    raise TemplateError(
                        f"unbalanced bracket: '{{' at column {self.pos + 1} is not closed"
                    )
                items.append(_parse_slot(self.text[self.pos + 1 : end], self.list_names))
                self.pos = end + 1
            else:
                end = self.pos
                while end < len(self.text) and self.text[end] not in _SPECIAL:
                    end += 1
                items.extend(Word(w) for w in words_of(self.text[self.pos : end], "words"))
                self.pos = end
        return items[0] if len(items) == 1 else Sequence(tuple(items))


def parse_template(text: str, list_names: Collection[str] = ()) -> Expression:
    """Expression tree of a template; ``list_names`` are the lists slots may refer to."""
    expression = _Parser(text, list_names).parse()
    _check_text_at_end(expression, at_end=True)
    if can_be_empty(expression):
        raise TemplateError("the template can be said with no words at all")
    return expression


def _check_text_at_end(expression: Expression, at_end: bool) -> None:
    if isinstance(expression, Slot):
        if expression.kind is SlotKind.TEXT and not at_end:
            raise TemplateError(f"free-text slot {{{expression.name}:text}} must end the sentence")
    elif isinstance(expression, Sequence):
        last = len(expression.items) - 1
        # Items after the text slot that can be empty still make it "not at the end": a
        # free-text state accepts everything, so nothing can follow it.
        for i, item in enumerate(expression.items):
            _check_text_at_end(item, at_end and i == last)
    elif isinstance(expression, Alternative):
        for option in expression.options:
            _check_text_at_end(option, at_end)


def can_be_empty(expression: Expression) -> bool:
    """Whether some expansion of ``expression`` has no words."""
    if isinstance(expression, Word | Slot):
        return False
    if isinstance(expression, Sequence):
        return all(can_be_empty(item) for item in expression.items)
    return any(can_be_empty(option) for option in expression.options)


def first_words(
    expression: Expression, slot_body: Callable[[Slot], Expression | None]
) -> frozenset[str] | None:
    """The words a match of ``expression`` that is not empty can begin with; None when that may
    be any word (a free-text slot first). ``slot_body`` gives a slot's expression (None for
    free text), as :meth:`~assistant.commands.grammar.Grammar.slot_body` does."""
    if isinstance(expression, Word):
        return frozenset((expression.text,))
    if isinstance(expression, Slot):
        body = slot_body(expression)
        return None if body is None else first_words(body, slot_body)
    found: set[str] = set()
    if isinstance(expression, Alternative):
        for option in expression.options:
            words = first_words(option, slot_body)
            if words is None:
                return None
            found |= words
        return frozenset(found)
    for item in expression.items:
        words = first_words(item, slot_body)
        if words is None:
            return None
        found |= words
        if not can_be_empty(item):
            break
    return frozenset(found)


def slots_of(expression: Expression) -> list[Slot]:
    """The slots of ``expression``, in template order."""
    if isinstance(expression, Slot):
        return [expression]
    if isinstance(expression, Word):
        return []
    children = expression.items if isinstance(expression, Sequence) else expression.options
    return [slot for child in children for slot in slots_of(child)]
