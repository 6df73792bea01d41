"""The list of common English words that the runtime reads free text against.

    .venv/bin/python -m models.data.word_list [--count 20000] [--out FILE]

The most frequent words of wordfreq (see :func:`models.data.texts.english_words`), less the
abbreviations that frequency lists are full of and that a misheard word should not become:
two-letter entries that are not everyday words ("rs", "tv", "dr") and short ones without a
vowel ("nfl", "hmm").
"""

from __future__ import annotations

import argparse
from pathlib import Path

from models.data.texts import english_words

TWO_LETTER_WORDS = frozenset(
    {
        *("am", "an", "as", "at", "be", "by", "do", "go", "he", "hi", "if", "in", "is", "it"),
        *("me", "my", "no", "of", "oh", "ok", "on", "or", "so", "to", "up", "us", "we", "ah"),
        *("eh", "ha", "ma", "pa", "uh", "um", "yo", "ye"),
    }
)
"""The two-letter entries kept: words people say, not abbreviations."""

_VOWELS = frozenset("aeiouy")

HEADER = """\
# Common English words, most frequent first: free-text slots are read against this list
# (assistant.decoding.words). Written by `python -m models.data.word_list`.
# Derived from wordfreq by Robyn Speer (https://github.com/rspeer/wordfreq), whose word
# frequency data is licensed CC BY-SA 4.0; this list is shared under the same licence.
"""


def common_words(count: int) -> list[str]:
    """The ``count`` most frequent words, abbreviations dropped (fewer than ``count`` remain)."""
    kept = []
    for word in english_words(count):
        if len(word) == 2 and word not in TWO_LETTER_WORDS:
            continue
        if len(word) <= 3 and not _VOWELS & set(word):
            continue
        kept.append(word)
    return kept


def main(argv: list[str] | None = None) -> int:
    """Write the word list."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20000, help="most frequent words taken")
    parser.add_argument(
        "--out", type=Path, default=Path("assistant/decoding/english_words.txt"), help="file"
    )
    args = parser.parse_args(argv)
    words = common_words(args.count)
    args.out.write_text(HEADER + "\n".join(words) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
