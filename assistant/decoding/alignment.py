"""Where each character of a text lies in CTC log-probs, and how much each one costs there.

The Viterbi (best single path) alignment of a text's label sequence, with a blank allowed
around every character (Graves et al. 2006). A character "costs" what its frames lose against
the free best path: at each frame, the best token's log-probability minus the aligned token's.
Words the model heard cost nearly nothing; a word it did not hear costs several nats a letter,
however long the rest of the sentence is.
"""

from __future__ import annotations

import numpy as np

from assistant.vocabulary import BLANK_ID, encode

_NEG_INF = -1e30


def _best_states(log_probs: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """The state (index into the blank-extended label sequence) of each frame on the best
    path; None when the labels are empty or longer than the frames allow."""
    frames, size = log_probs.shape[0], 2 * labels.size + 1
    repeats = int(np.sum(labels[1:] == labels[:-1])) if labels.size else 0
    if labels.size == 0 or frames < labels.size + repeats:
        return None
    extended = np.full(size, BLANK_ID, dtype=np.int64)
    extended[1::2] = labels
    emissions = log_probs.astype(np.float64)[:, extended]  # (T, states)
    can_skip = np.zeros(size, dtype=bool)
    can_skip[3::2] = labels[1:] != labels[:-1]  # a character may follow the last directly
    score = np.full(size, _NEG_INF)
    score[:2] = emissions[0, :2]
    moves = np.zeros((frames, size), dtype=np.intp)  # 0 stay, 1 from previous, 2 skip a blank
    # each frame's ways into every state: stay, from the previous state, from two back (where
    # a blank may be skipped); the entries never written stay unreachable
    options = np.full((3, size), _NEG_INF)
    skip_into = can_skip[2:]
    for t in range(1, frames):
        options[0] = score
        options[1, 1:] = score[:-1]
        np.copyto(options[2, 2:], score[:-2], where=skip_into)
        np.argmax(options, axis=0, out=moves[t])
        np.max(options, axis=0, out=score)
        score += emissions[t]
    state = size - 1 if score[-1] >= score[-2] else size - 2
    if score[state] <= _NEG_INF / 2:
        return None
    states = np.empty(frames, dtype=np.int64)
    for t in range(frames - 1, -1, -1):
        states[t] = state
        state -= int(moves[t, state])
    return states


def _character_of(states: np.ndarray) -> np.ndarray:
    """Character index of each state: 2k+1 is character k, the blank 2k follows character
    k-1 (leading blanks count for the first)."""
    return np.maximum((states - 1) // 2, 0)


def forced_alignment(log_probs: np.ndarray, text: str) -> np.ndarray | None:
    """For each frame of (T, V) ``log_probs``, the index of the character of ``text`` it is
    aligned to on the best path (a blank frame counts for the character before it, leading
    blanks for the first); None when ``text`` is empty or longer than the frames allow."""
    states = _best_states(log_probs, np.asarray(encode(text), dtype=np.int64))
    return None if states is None else _character_of(states)


def character_costs(log_probs: np.ndarray, text: str) -> np.ndarray | None:
    """Nats each character of ``text`` loses on its best alignment against the free best path
    (float64, one per character, spaces included, all >= 0); None where
    :func:`forced_alignment` is None."""
    labels = np.asarray(encode(text), dtype=np.int64)
    states = _best_states(log_probs, labels)
    if states is None:
        return None
    emitted = np.where(states % 2 == 1, labels[(states - 1) // 2], BLANK_ID)
    frames = np.arange(log_probs.shape[0])
    loss = log_probs.max(axis=1).astype(np.float64) - log_probs[frames, emitted]
    return np.bincount(_character_of(states), weights=loss, minlength=labels.size)
