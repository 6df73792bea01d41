"""Forced alignment of a text in CTC log-probs, and what each character costs there."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.decoding.alignment import character_costs, forced_alignment
from assistant.vocabulary import BLANK_ID, TOKENS, encode


def _spelled(path: list[str], sure: float = -0.01, unsure: float = -10.0) -> np.ndarray:
    """Log-probs whose best token at each frame is ``path``'s ("" for blank)."""
    log_probs = np.full((len(path), len(TOKENS)), unsure, np.float32)
    for t, char in enumerate(path):
        log_probs[t, BLANK_ID if char == "" else encode(char)[0]] = sure
    return log_probs


def test_each_frame_is_aligned_to_its_character() -> None:
    log_probs = _spelled(["", "a", "a", "", "b", "", ""])
    assert forced_alignment(log_probs, "ab").tolist() == [0, 0, 0, 0, 1, 1, 1]


def test_heard_characters_cost_nothing_and_unheard_ones_the_gap() -> None:
    log_probs = _spelled(["", "c", "a", "t", ""])
    assert character_costs(log_probs, "cat") == pytest.approx([0, 0, 0])
    costs = character_costs(log_probs, "cut")
    assert costs[1] == pytest.approx(9.99, abs=1e-3)
    assert costs[0] == pytest.approx(0) and costs[2] == pytest.approx(0)


def test_repeated_characters_need_a_blank_between() -> None:
    assert forced_alignment(_spelled(["l", "", "l"]), "ll") is not None
    assert forced_alignment(_spelled(["l", "l"]), "ll") is None  # two frames, three needed
    assert forced_alignment(_spelled(["a"]), "") is None


def test_spaces_are_characters_too() -> None:
    log_probs = _spelled(["a", " ", "b"])
    assert character_costs(log_probs, "a b") == pytest.approx([0, 0, 0])
