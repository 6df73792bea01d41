"""The character vocabulary of the acoustic model and text normalisation.

Index 0 is the CTC blank. The model emits lower-case letters, the apostrophe and space, so any
word can be spelled, including words never heard in training.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

BLANK = "<blank>"
BLANK_ID = 0
CHARACTERS = " '" + "abcdefghijklmnopqrstuvwxyz"
TOKENS: tuple[str, ...] = (BLANK, *CHARACTERS)
CHAR_IDS: dict[str, int] = {c: i for i, c in enumerate(TOKENS) if i != BLANK_ID}
"""Character -> token id, for every character but the blank."""
SPACE_ID = CHAR_IDS[" "]
"""Token id of the word boundary."""

_NOT_IN_VOCAB = re.compile(r"[^a-z' ]+")
_SPACES = re.compile(r" +")


def normalize_text(text: str) -> str:
    """Lower-case ``text`` and reduce it to the model's characters (others become spaces)."""
    text = text.lower().replace("\u2019", "'")
    text = _NOT_IN_VOCAB.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def encode(text: str) -> list[int]:
    """Token ids of an already normalised ``text``; raises ValueError on a foreign character."""
    try:
        return [CHAR_IDS[c] for c in text]
    except KeyError as e:
        raise ValueError(f"character {e.args[0]!r} is not in the vocabulary {CHARACTERS!r}") from e


def decode(ids: Sequence[int]) -> str:
    """Text of token ids (blanks dropped, no CTC collapsing)."""
    return "".join(TOKENS[i] for i in ids if i != BLANK_ID)
