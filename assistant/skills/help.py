""" "You can say: ..." with one example sentence per intent, taken from the command grammar."""

from __future__ import annotations

from assistant.commands.expression import EMPTY, Alternative, Expression, Sequence, Slot, SlotKind
from assistant.commands.expression import Word as WordExpr
from assistant.commands.grammar import Grammar, Template
from assistant.commands.matcher import parse_text
from assistant.commands.numbers import duration_words, number_words

PREFERRED_EXAMPLES = {
    "GetTime": "what time is it",
    "GetDate": "what day is it",
    "SetTimer": "set a timer for ten minutes",
    "CancelTimer": "cancel the timer",
    "ListTimers": "how much time is left",
    "Calculate": "what is seven times eight",
    "OpenApp": "open the web browser",
    "VolumeUp": "turn up the volume",
    "VolumeDown": "turn down the volume",
    "Mute": "mute",
    "AddNote": "take a note saying buy milk",
    "ReadNotes": "read my notes",
    "TellJoke": "tell me a joke",
    "Help": "what can you do",
    "Stop": "stop",
    "Repeat": "say that again",
}
"""Natural examples for the built-in intents; used only while the grammar still accepts them."""

_EXAMPLE_NUMBER = 7
_EXAMPLE_DURATION_S = 600
_EXAMPLE_TEXT = "something"


def _words(expression: Expression, grammar: Grammar) -> list[str]:
    """A plain expansion: optional parts left out, first alternatives, example slot values."""
    if isinstance(expression, WordExpr):
        return [expression.text]
    if isinstance(expression, Sequence):
        return [w for item in expression.items for w in _words(item, grammar)]
    if isinstance(expression, Alternative):
        option = EMPTY if EMPTY in expression.options else expression.options[0]
        return _words(option, grammar)
    return _slot_words(expression, grammar)


def _slot_words(slot: Slot, grammar: Grammar) -> list[str]:
    if slot.kind is SlotKind.NUMBER:
        return number_words(min(max(_EXAMPLE_NUMBER, slot.low), slot.high)).split()
    if slot.kind is SlotKind.DURATION:
        return duration_words(_EXAMPLE_DURATION_S).split()
    if slot.kind is SlotKind.TEXT:
        return [_EXAMPLE_TEXT]
    return list(grammar.lists[str(slot.list_name)].values[0].spoken)


def example_sentence(intent: str, grammar: Grammar) -> str | None:
    """One sentence that says ``intent``, or None when the grammar has no such intent."""
    templates: tuple[Template, ...] = grammar.intents.get(intent, ())
    if not templates:
        return None
    preferred = PREFERRED_EXAMPLES.get(intent)
    if preferred is not None:
        match = parse_text(preferred, grammar)
        if match is not None and match.intent == intent:
            return preferred
    return " ".join(_words(templates[0].expression, grammar))


def help_reply(grammar: Grammar, intents: list[str] | None = None) -> str:
    """``"You can say: what time is it; ...; stop."`` for ``intents`` (default: all)."""
    names = intents if intents is not None else list(grammar.intents)
    examples = [e for e in (example_sentence(name, grammar) for name in names) if e]
    if not examples:
        return "I don't know any commands yet."
    return "You can say: " + "; ".join(examples) + "."
