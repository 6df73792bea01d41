"""Shared by the runtime's tests: synthetic CTC log-probabilities and the built-in command set."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.vocabulary import BLANK_ID, TOKENS

PeakyFactory = Callable[..., np.ndarray]


def peaky_log_probs(
    text: str,
    *,
    seed: int = 0,
    peak: float = 0.9,
    noise: float = 0.3,
    lead: int = 4,
    tail: int = 4,
) -> np.ndarray:
    """(T, V) float32 log-probs of a confident CTC model saying ``text``.

    Each character holds for 1-2 frames, often followed by blanks, always by a blank before a
    repeated character; silence (blank frames) before and after; the rest of the probability
    is spread with random noise.
    """
    rng = np.random.default_rng(seed)
    path = [BLANK_ID] * lead
    previous = None
    for char in text:
        token = TOKENS.index(char)
        if token == previous or rng.random() < 0.5:
            path.append(BLANK_ID)
        path.extend([token] * int(rng.integers(1, 3)))
        previous = token
    path.extend([BLANK_ID] * tail)
    logits = noise * rng.standard_normal((len(path), len(TOKENS)))
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    probs *= 1.0 - peak
    probs[np.arange(len(path)), path] += peak
    return np.log(probs).astype(np.float32)


@pytest.fixture
def peaky() -> PeakyFactory:
    """The :func:`peaky_log_probs` factory."""
    return peaky_log_probs


@pytest.fixture(scope="session")
def builtin_commands() -> CommandSet:
    """The built-in command set, compiled once."""
    return CommandSet([BUILTIN_DIR])
