"""Text side of the data: vocabulary, number words, synthesis sentences."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from assistant.vocabulary import BLANK_ID, CHARACTERS, TOKENS, decode, encode, normalize_text
from models.data.numbers import number_to_words
from models.data.texts import command_sentence, sentences


def test_vocabulary_layout() -> None:
    assert TOKENS[BLANK_ID] == "<blank>"
    assert len(TOKENS) == 29
    assert TOKENS[1:3] == (" ", "'")
    assert "".join(TOKENS[3:]) == "abcdefghijklmnopqrstuvwxyz"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Set a TIMER for 5 minutes!", "set a timer for minutes"),
        ("What\u2019s   the time?", "what's the time"),
        ("  hello,\tworld  ", "hello world"),
        ("ENTER", "enter"),
        ("123 !?", ""),
    ],
)
def test_normalize_text(raw: str, normalised: str) -> None:
    assert normalize_text(raw) == normalised


def test_encode_decode_round_trip() -> None:
    text = normalize_text("Don't stop, Zebra!")
    ids = encode(text)
    assert text == "don't stop zebra"
    assert ids[:5] == [6, 17, 16, 2, 22]  # d o n ' t
    assert all(0 < i < len(TOKENS) for i in ids)
    assert decode(ids) == text
    assert decode([BLANK_ID, *ids, BLANK_ID]) == text  # blanks are dropped
    assert decode(encode(CHARACTERS)) == CHARACTERS


@pytest.mark.parametrize("foreign", ["Hello", "timer 5", "caf\u00e9", "a-b"])
def test_encode_rejects_foreign_character(foreign: str) -> None:
    with pytest.raises(ValueError, match="is not in the vocabulary"):
        encode(foreign)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, "zero"),
        (13, "thirteen"),
        (40, "forty"),
        (42, "forty two"),
        (100, "one hundred"),
        (105, "one hundred and five"),
        (1000, "one thousand"),
        (1005, "one thousand and five"),
        (2026, "two thousand and twenty six"),
        (12345, "twelve thousand three hundred and forty five"),
        (999999, "nine hundred and ninety nine thousand nine hundred and ninety nine"),
    ],
)
def test_number_to_words(n: int, words: str) -> None:
    assert number_to_words(n) == words


def test_number_to_words_american_style() -> None:
    assert number_to_words(105, british_and=False) == "one hundred five"
    assert number_to_words(2026, british_and=False) == "two thousand twenty six"


@pytest.mark.parametrize("n", [-1, 1_000_000, 10**9])
def test_number_to_words_out_of_range_raises(n: int) -> None:
    with pytest.raises(ValueError, match=f"out of range 0..999999: {n}"):
        number_to_words(n)


@pytest.fixture(scope="module")
def two_hundred() -> list[str]:
    """200 sentences of seed 5 (loads the wordfreq list once)."""
    pytest.importorskip("wordfreq", reason="wordfreq is a training-time dependency")
    return list(sentences(200, seed=5))


def test_sentences_are_deterministic_for_a_seed(two_hundred: list[str]) -> None:
    assert list(sentences(200, seed=5)) == two_hundred
    assert list(sentences(200, seed=6)) != two_hundred
    assert len(two_hundred) == 200


def test_sentences_use_only_vocabulary_characters(two_hundred: list[str]) -> None:
    for text in two_hundred:
        assert text == normalize_text(text)
        assert text, "empty sentence"
        assert decode(encode(text)) == text


def test_sentences_mix_commands_and_broad_english(two_hundred: list[str]) -> None:
    phrases = (
        "timer",
        "volume",
        "note",
        "open ",
        "launch ",
        "joke",
        "what is",
        "what's",
        "turn ",
        "switch ",
        "cancel",
        "remind me",
        "calculate",
        "the time",
        "computer",
        "mute",
        "go to",
    )
    commands = [t for t in two_hundred if any(p in t for p in phrases)]
    assert len(commands) >= 25  # about 30 % are command templates
    assert len(set(two_hundred)) >= 150  # broad English makes most sentences unique
    words = set(itertools.chain.from_iterable(t.split() for t in two_hundred))
    assert len(words) >= 300


def test_command_sentences_are_normalised_commands() -> None:
    import random

    rng = random.Random(0)
    texts = [command_sentence(rng) for _ in range(300)]
    assert all(normalize_text(t) == t for t in texts)
    assert any(
        t.startswith(("set a timer", "please set a timer", "could you set a")) for t in texts
    )
    assert any(" plus " in t or " minus " in t or " times " in t for t in texts)


def test_synthesis_number_words_are_forms_the_grammar_accepts() -> None:
    from assistant.commands.numbers import spoken_forms

    for n in [*range(0, 2100), 10_005, 120_000, 100_100, 999_999]:
        for british_and in (True, False):
            assert number_to_words(n, british_and=british_and) in spoken_forms(n)


def test_the_bundled_word_list_is_what_the_command_writes(tmp_path: Path) -> None:
    """``assistant/decoding/english_words.txt`` is reproducible from wordfreq."""
    pytest.importorskip("wordfreq", reason="wordfreq is a training-time dependency")
    from assistant.decoding.words import WORDS_PATH
    from models.data import word_list

    out = tmp_path / "words.txt"
    assert word_list.main(["--out", str(out)]) == 0
    assert out.read_text() == WORDS_PATH.read_text()
