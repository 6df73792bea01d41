"""Automata of a word list or a phrase list, for decoding restricted to a vocabulary.

``lexicon_graph(words, loop=True)`` accepts any sequence of the words (dictation limited to a
vocabulary, e.g. AN4's); ``loop=False`` accepts exactly one of the entries (a keyword or phrase
list). The result is a :class:`CharGraph`, decoded by ``constrained_decode`` like a grammar.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from assistant.decoding.graph import CharGraph
from assistant.errors import WordListError
from assistant.vocabulary import CHAR_IDS, SPACE_ID, normalize_text


def lexicon_graph(entries: Iterable[str], *, loop: bool) -> CharGraph:
    """A trie of the normalised ``entries``; with ``loop`` a space after an entry starts another.

    Leading and trailing spaces are allowed, as in grammar automata.
    """
    words = sorted({normalize_text(e) for e in entries} - {""})
    if not words:
        raise ValueError("a lexicon needs at least one non-empty entry")
    arcs: list[dict[int, int]] = [{}]
    accepting = [False]
    for word in words:
        state = 0
        for char in word:
            token = CHAR_IDS[char]
            target = arcs[state].get(token)
            if target is None:
                target = len(arcs)
                arcs[state][token] = target
                arcs.append({})
                accepting.append(False)
            state = target
        accepting[state] = True
    # after an entry and a space: the next entry may start (loop), or only spaces follow
    after = len(arcs)
    arcs.append(dict(arcs[0]) if loop else {})
    accepting.append(True)
    arcs[after][SPACE_ID] = after
    for state, final in enumerate(accepting[:after]):
        if final and SPACE_ID not in arcs[state]:
            arcs[state][SPACE_ID] = after
    arcs[0][SPACE_ID] = 0  # leading spaces
    return CharGraph.build(arcs, accepting, (False,) * len(arcs), 0)


def read_word_list(path: str | Path) -> list[str]:
    """Entries of a word-list file: one word or phrase per line, ``#`` starts a comment.

    Entries are lower-cased. Raises :class:`WordListError` for an unreadable or empty file, and
    with the line number for an entry the model cannot spell (digits or symbols: numbers must be
    written as words).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise WordListError(f"cannot read word list {path}: {e}") from e
    words = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        normal = normalize_text(entry)
        if normal != " ".join(entry.lower().replace("\u2019", "'").split()):
            raise WordListError(
                f"{path}:{number}: {entry!r} has characters the model cannot spell; use letters, "
                "apostrophes and spaces (write numbers as words)"
            )
        words.append(normal)
    if not words:
        raise WordListError(f"{path}: no words (one word or phrase per line, # starts a comment)")
    return words
