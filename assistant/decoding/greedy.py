"""Greedy (best-path) CTC decoding: argmax per frame, merge repeats, drop blanks."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from assistant.vocabulary import BLANK_ID, TOKENS

_SPACES = re.compile(r" +")


def best_path(log_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Best token id per frame, int64 (T,), and its log-probability, float32 (T,).

    ``log_probs`` has shape (T, V): one row of log-probabilities (or any scores) per frame.
    """
    if log_probs.ndim != 2:
        raise ValueError(f"expected log-probs of shape (frames, vocab), got {log_probs.shape}")
    if log_probs.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    ids = log_probs.argmax(axis=1).astype(np.int64)
    scores = np.take_along_axis(log_probs, ids[:, None], axis=1)[:, 0].astype(np.float32)
    return ids, scores


def collapse(ids: Sequence[int] | np.ndarray, blank_id: int = BLANK_ID) -> list[int]:
    """CTC collapse of per-frame ids: merge runs of the same id, then drop blanks."""
    out: list[int] = []
    previous = None
    for token in (int(i) for i in ids):
        if token != previous and token != blank_id:
            out.append(token)
        previous = token
    return out


def greedy_decode(
    log_probs: np.ndarray, blank_id: int = BLANK_ID, tokens: Sequence[str] = TOKENS
) -> str:
    """Text of (T, V) log-probs by best path; spaces are stripped and runs of them merged."""
    if log_probs.ndim == 2 and log_probs.shape[1] != len(tokens):
        raise ValueError(
            f"log-probs have {log_probs.shape[1]} classes, the vocabulary has {len(tokens)}"
        )
    ids, _ = best_path(log_probs)
    text = "".join(tokens[i] for i in collapse(ids, blank_id))
    return _SPACES.sub(" ", text).strip()
