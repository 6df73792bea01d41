"""What people say around a command: "um, please set a timer", "stop please".

Every command of every grammar may be led in by a hesitation and "please" (:data:`LEAD_IN`,
each part optional) and closed by "please" (:data:`CLOSING`; after free text it is read as the
closing, not as part of the text). The command's meaning is the same; the
words are kept in the recognised text, since they were said. A user's command file needs no
``[please]`` of its own.

The compiler puts one copy of each around the union of the templates
(:func:`assistant.commands.compiler.compile_graph`); the text matcher wraps each template
(:func:`spoken_form`), so the two accept the same sentences.
"""

from __future__ import annotations

from assistant.commands.expression import (
    EMPTY,
    Alternative,
    Expression,
    Sequence,
    Word,
)


def _optional(*phrases: str) -> Alternative:
    """One of ``phrases`` or nothing."""
    return Alternative((*(Sequence(tuple(map(Word, phrase.split()))) for phrase in phrases), EMPTY))


LEAD_IN = Sequence((_optional("uh", "um"), _optional("please")))
"""Words that may come before any command: ``[uh | um] [please]``."""
CLOSING = _optional("please")
"""Words that may follow any command: ``[please]``."""


def spoken_form(expression: Expression) -> Expression:
    """``expression`` with :data:`LEAD_IN` before it and :data:`CLOSING` after it."""
    return Sequence((LEAD_IN, expression, CLOSING))
