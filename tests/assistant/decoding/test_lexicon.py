"""Tests of word-list and phrase-list automata and decoding restricted to them."""

import numpy as np
import pytest

from assistant.decoding.constrained import constrained_decode
from assistant.decoding.lexicon import lexicon_graph
from assistant.vocabulary import BLANK_ID, TOKENS


def peaky(text: str, noise: float = 0.05) -> np.ndarray:
    """Log-probs spelling ``text``: each character for 2 frames, a blank between."""
    frames = []
    for char in text:
        frames += [TOKENS.index(char)] * 2 + [BLANK_ID]
    probs = np.full((len(frames) + 2, len(TOKENS)), noise / len(TOKENS))
    for t, token in enumerate([BLANK_ID, *frames, BLANK_ID]):
        probs[t, token] += 1.0 - noise
    return np.log(probs / probs.sum(axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a", True),
        ("and", True),
        ("a b enter", True),
        ("an", False),
        ("a  b", True),
        (" a", True),
        ("a ", True),
        ("", False),
        ("enter and a", True),
    ],
)
def test_word_loop_accepts_sequences_of_words(text: str, accepted: bool) -> None:
    graph = lexicon_graph(["A", "and", "b", "ENTER"], loop=True)
    assert graph.accepts(text) is accepted


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("alexa", True),
        ("smart mirror", True),
        ("alexa alexa", False),
        ("smart", False),
        (" alexa ", True),
    ],
)
def test_phrase_list_accepts_one_phrase(text: str, accepted: bool) -> None:
    graph = lexicon_graph(["alexa", "smart mirror", "jarvis"], loop=False)
    assert graph.accepts(text) is accepted


def test_empty_lexicon_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        lexicon_graph(["", "  "], loop=True)


def test_decoding_snaps_a_misspelling_to_the_word_list() -> None:
    graph = lexicon_graph(["yes", "no", "stop", "go"], loop=False)
    log_probs = peaky("stap")  # 'a' where the list has 'o'
    found = constrained_decode(log_probs, graph)
    assert found[0].text == "stop"


def test_word_loop_decodes_a_sequence() -> None:
    graph = lexicon_graph(["one", "two", "three", "enter"], loop=True)
    found = constrained_decode(peaky("two three enter"), graph)
    assert found[0].text == "two three enter"
