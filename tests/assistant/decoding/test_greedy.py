"""Greedy CTC decoding on hand-built log-probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.decoding import best_path, collapse, greedy_decode
from assistant.vocabulary import TOKENS


def frames(text: str) -> np.ndarray:
    """Log-probs (len(text), V) whose best path spells ``text``; '_' is the blank."""
    ids = [0 if c == "_" else TOKENS.index(c) for c in text]
    scores = np.full((len(ids), len(TOKENS)), -10.0, dtype=np.float32)
    scores[np.arange(len(ids)), ids] = -0.1
    return scores


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("hhee_ll_llo", "hello"),  # repeats merge, a blank separates a real double letter
        ("hello", "helo"),  # without a blank the double l merges
        ("__a__", "a"),
        ("_____", ""),
        ("  hi   there  ", "hi there"),  # leading, trailing and repeated spaces
        ("a_ _ _b", "a b"),  # spaces separated by blanks still collapse to one
        ("don't", "don't"),
    ],
)
def test_greedy_decode_spells_best_path(path: str, expected: str) -> None:
    assert greedy_decode(frames(path)) == expected


def test_empty_log_probs_decode_to_empty_text() -> None:
    assert greedy_decode(np.zeros((0, len(TOKENS)), dtype=np.float32)) == ""


def test_best_path_returns_ids_and_their_scores() -> None:
    log_probs = np.log(
        np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]], dtype=np.float32)
    )
    ids, scores = best_path(log_probs)
    assert ids.tolist() == [0, 2, 1]
    assert ids.dtype == np.int64
    np.testing.assert_allclose(scores, np.log([0.7, 0.6, 0.5]), rtol=1e-6)


def test_collapse_honours_another_blank_id() -> None:
    assert collapse([3, 3, 1, 3, 2, 2, 3], blank_id=3) == [1, 2]
    assert collapse(np.array([1, 1, 0, 1, 2])) == [1, 1, 2]


def test_custom_vocabulary_and_blank() -> None:
    scores = np.log(np.array([[0.9, 0.1], [0.2, 0.8], [0.2, 0.8]], dtype=np.float32))
    assert greedy_decode(scores, blank_id=1, tokens=("x", "<b>")) == "x"


def test_wrong_shapes_are_rejected() -> None:
    with pytest.raises(ValueError, match="29"):
        greedy_decode(np.zeros((4, 5), dtype=np.float32))
    with pytest.raises(ValueError, match="frames, vocab"):
        best_path(np.zeros(4, dtype=np.float32))
