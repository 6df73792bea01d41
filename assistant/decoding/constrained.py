"""CTC prefix beam search restricted to a grammar's character automaton.

Each hypothesis is a label prefix with two scores: log P(prefix, path ends in blank) and
log P(prefix, path ends in its last character), summed over all alignments (Hannun et al. 2014,
https://arxiv.org/abs/1408.2873). A prefix may only grow by a character the automaton allows
from its state, and a repeated character needs a blank in between. The search returns the
n-best texts that end in an accepting state, with their total log-probabilities.

Texts are ranked by log-probability plus a small bonus per character (``char_bonus``). A CTC
model that hears a sound faintly gives its character little probability, and the pure
log-probability then prefers a shorter word that leaves it out ("go" for "dog", "do" for
"down"); the bonus is the usual counterweight (an insertion bonus, as in CTC decoders with a
lexicon). Every alignment of one text has the same characters, so the bonus never changes the
order of alignments, only of texts; the scores reported leave it out.

Speed comes from two standard prunings: characters far below a frame's best are not tried,
and frames that are almost surely blank only extend by blank.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.commands.graph import CharGraph
from assistant.decoding.greedy import best_path, greedy_decode
from assistant.vocabulary import BLANK_ID, TOKENS

_NEG_INF = float("-inf")
_SPACE_ID = TOKENS.index(" ")


@dataclass(frozen=True)
class BeamConfig:
    """Search parameters of :func:`constrained_decode`."""

    beam_width: int = 16
    """Hypotheses kept after each frame."""
    nbest: int = 5
    """Most texts returned."""
    token_prune: float = 10.0
    """Natural-log units: characters this far below the frame's best token are not tried."""
    blank_skip: float = 0.999
    """Probability: a frame whose blank exceeds it only extends hypotheses by blank."""
    score_beam: float = 20.0
    """Natural-log units: hypotheses this far below the frame's best are dropped."""
    char_bonus: float = 2.0
    """Natural-log units added per character (spaces excluded) when ranking texts."""
    free_text_penalty: float = 3.0
    """Natural-log units charged per character inside a free-text slot while searching. A free
    slot accepts any spelling, so without a charge it out-scores every fixed sentence whenever
    the model is unsure; reported scores are exact (uncharged)."""
    retry_width: int = 16
    """Beam width of a second search when the first one's best text fits badly (see
    ``retry_below_fit``); ``beam_width`` or less (the default) for no second search. 32 found
    2.7 points more of the held-out voices' commands (stage-8 model, without free text) but
    costs its time on every badly fitting utterance, out-of-grammar speech included: 36 ms
    instead of 23 ms p95 from the end of 3 s of such speech to a rejection on one thread,
    past the 30 ms target."""
    retry_below_fit: float = -0.25
    """Natural-log units per frame, on the ranking scale: a best text this far or further below
    the unconstrained best path is searched again with ``retry_width``. A narrow beam fills up
    with prefixes that race ahead on faint letters (each earns ``char_bonus``) and can lose the
    sentence that was said; that shows as a bad fit."""

    def __post_init__(self) -> None:
        """Reject settings the search cannot use."""
        if self.beam_width < 1 or self.nbest < 1 or self.retry_width < 1:
            raise ValueError(f"beam_width, nbest and retry_width must be >= 1, got {self}")
        if self.token_prune <= 0 or self.score_beam <= 0 or not 0 < self.blank_skip <= 1:
            raise ValueError(
                f"token_prune and score_beam must be > 0, blank_skip in (0, 1], got {self}"
            )


@dataclass(frozen=True)
class Hypothesis:
    """One decoded text and its score."""

    text: str
    """Normalised text (single spaces, no leading or trailing space)."""
    log_score: float
    """Natural log of the CTC probability of the text, summed over the alignments the search
    kept (exact for texts with free-text slots); without the bonus per character."""

    def ranking_score(self, char_bonus: float) -> float:
        """:attr:`log_score` plus ``char_bonus`` per character: what the search ranks by."""
        return with_bonus(self.log_score, self.text, char_bonus)


def letter_count(text: str) -> int:
    """Characters of ``text`` that earn the search's ``char_bonus``: all but spaces."""
    return len(text) - text.count(" ")


def with_bonus(log_score: float, text: str, char_bonus: float) -> float:
    """``log_score`` of ``text`` plus ``char_bonus`` per character (spaces excluded).

    The search's ranking scale (inside free-text slots the search itself charges a penalty
    instead; scores compared on this scale all count every letter alike)."""
    return log_score + char_bonus * letter_count(text)


def _logaddexp(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    if b == _NEG_INF:
        return a
    return a + math.log1p(math.exp(b - a))


def _check(log_probs: np.ndarray) -> None:
    if log_probs.ndim != 2 or log_probs.shape[1] != len(TOKENS):
        raise ValueError(
            f"expected log-probs of shape (frames, {len(TOKENS)}), got {log_probs.shape}"
        )


def unconstrained_decode(log_probs: np.ndarray) -> Hypothesis:
    """Greedy text of (T, V) log-probs with its best-path score (sum of per-frame maxima)."""
    _check(log_probs)
    _, scores = best_path(log_probs)
    return Hypothesis(greedy_decode(log_probs), float(scores.astype(np.float64).sum()))


def ctc_log_score(log_probs: np.ndarray, text: str) -> float:
    """Exact CTC log-probability of ``text`` (characters as given) under (T, V) log-probs."""
    return ctc_log_scores(log_probs, [text])[0]


def ctc_log_scores(log_probs: np.ndarray, texts: Sequence[str]) -> list[float]:
    """Exact CTC log-probability of each of ``texts`` under (T, V) log-probs.

    The forward recursion runs once over the frames for all texts together: each text's label
    sequence with blanks around every character is a row of a padded state matrix. Padding
    states lie after a row's last real state and only receive from earlier ones, so they never
    change the scores that are read out.
    """
    _check(log_probs)
    if not texts:
        return []
    frames = log_probs.shape[0]
    if frames == 0:
        return [0.0 if not text else _NEG_INF for text in texts]
    sizes = [2 * len(text) + 1 for text in texts]
    extended, skip = _label_states(texts)
    width = extended.shape[1]
    emissions = log_probs.astype(np.float64)[:, extended]  # (T, texts, states)
    alpha = np.full(extended.shape, _NEG_INF)
    alpha[:, 0] = emissions[0, :, 0]
    if width > 1:
        alpha[:, 1] = emissions[0, :, 1]
    from_previous = np.full(extended.shape, _NEG_INF)
    from_skip = np.full(extended.shape, _NEG_INF)
    for t in range(1, frames):
        from_previous[:, 1:] = alpha[:, :-1]
        from_skip[:, 2:] = np.where(skip[:, 2:], alpha[:, :-2], _NEG_INF)
        alpha = np.logaddexp(np.logaddexp(alpha, from_previous), from_skip) + emissions[t]
    scores = []
    for row, size in enumerate(sizes):
        last = alpha[row, size - 1]
        scores.append(float(last if size == 1 else np.logaddexp(last, alpha[row, size - 2])))
    return scores


def _label_states(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """CTC states of each text (a blank around every character), padded with blanks into one
    (texts, states) token matrix, and where a state may be entered from two states back
    (a character after the blank that follows a different character)."""
    width = max(2 * len(text) + 1 for text in texts)
    extended = np.full((len(texts), width), BLANK_ID, dtype=np.int64)
    for row, text in enumerate(texts):
        extended[row, 1 : 2 * len(text) : 2] = [TOKENS.index(c) for c in text]
    skip = np.zeros(extended.shape, dtype=bool)
    skip[:, 2:] = (extended[:, 2:] != BLANK_ID) & (extended[:, 2:] != extended[:, :-2])
    return extended, skip


def continuation(log_probs: np.ndarray, prefix: str) -> str:
    """Greedy text of the frames after ``prefix``, where ``prefix`` ends on the path that best
    explains all frames: ``prefix`` aligned by Viterbi, then the per-frame best tokens.

    How a free-text slot reads what was heard: the search that found ``prefix`` charges free
    text per letter, to keep it from outbidding the fixed sentences, and so drops faint letters.
    Empty when ``prefix`` cannot fit or nothing follows it.
    """
    _check(log_probs)
    frames = log_probs.shape[0]
    if not prefix:
        return greedy_decode(log_probs)
    if frames < len(prefix):
        return ""
    extended, skip = (states[0] for states in _label_states([prefix]))
    emissions = log_probs.astype(np.float64)[:, extended]  # (T, states)
    # the rest of the best path from frame t on: sum of per-frame maxima
    peaks = log_probs.astype(np.float64).max(axis=1)
    rest = np.concatenate([np.cumsum(peaks[::-1])[::-1], [0.0]])
    delta = np.full(extended.size, _NEG_INF)
    delta[:2] = emissions[0, :2]
    done = np.full(frames, _NEG_INF)  # prefix complete at frame t (on its last char or blank)
    done[0] = delta[-2:].max()
    for t in range(1, frames):
        previous = np.concatenate([[_NEG_INF], delta[:-1]])
        two_back = np.where(skip, np.concatenate([[_NEG_INF] * 2, delta[:-2]]), _NEG_INF)
        delta = np.maximum(np.maximum(delta, previous), two_back) + emissions[t]
        done[t] = delta[-2:].max()
    total = done + rest[1:]
    if not np.isfinite(total.max()):
        return ""
    # the latest of equally good ends: the prefix's last letter keeps the frames it holds
    end = frames - 1 - int(np.argmax(total[::-1]))
    return greedy_decode(log_probs[end + 1 :]).strip()


def _completion(graph: CharGraph, prefix: str, state: int) -> str:
    """``prefix`` followed by the shortest path from ``state`` to an accepting state."""
    chars = [prefix]
    while not graph.accepting[state]:
        token = graph.exit_tokens[state]
        chars.append(TOKENS[token])
        state = graph.arcs[state][token]
    return "".join(chars)


def _normal(prefix: str) -> str:
    return " ".join(prefix.split())


def constrained_decode(
    log_probs: np.ndarray, graph: CharGraph, config: BeamConfig = BeamConfig()
) -> list[Hypothesis]:
    """N-best texts the automaton accepts, best first, for (T, V) float log-probs.

    Empty when no text of the grammar fits in T frames.
    """
    _check(log_probs)
    frames = log_probs.shape[0]
    scores = log_probs.astype(np.float64)
    cutoffs = (scores.max(axis=1) - config.token_prune).tolist()
    rows = scores.tolist()
    skip = scores[:, BLANK_ID] > math.log(config.blank_skip)
    # Sum of blank log-probs from frame t to the end: the score of ending early.
    blank_tail = np.concatenate([np.cumsum(scores[::-1, BLANK_ID])[::-1], [0.0]]).tolist()
    arcs, accepting, start = graph.arcs, graph.accepting, graph.start
    free, penalty, bonus = graph.free_text, config.free_text_penalty, config.char_bonus

    # prefix -> [log p ending in blank, log p ending in non-blank, state, last token]
    beams: dict[str, list] = {"": [0.0, _NEG_INF, start, -1]}
    finished: dict[str, float] = {}
    for t in range(frames):
        row, cutoff = rows[t], cutoffs[t]
        blank = row[BLANK_ID]
        if skip[t]:
            for entry in beams.values():
                pb, pnb, _, last = entry
                entry[0] = _logaddexp(pb, pnb) + blank
                entry[1] = pnb + row[last] if last >= 0 else _NEG_INF
        else:
            extended: dict[str, list] = {}
            for prefix, (pb, pnb, state, last) in beams.items():
                total = _logaddexp(pb, pnb)
                here = extended.get(prefix)
                stay_nb = pnb + row[last] if last >= 0 else _NEG_INF
                if here is None:
                    extended[prefix] = [total + blank, stay_nb, state, last]
                else:
                    here[0] = _logaddexp(here[0], total + blank)
                    here[1] = _logaddexp(here[1], stay_nb)
                for token, target in arcs[state].items():
                    if row[token] < cutoff:
                        continue
                    score = (pb if token == last else total) + row[token]
                    if free[state] and free[target]:
                        score -= penalty  # and no bonus: free text must not grow for free
                    elif token != _SPACE_ID:
                        score += bonus
                    longer = prefix + TOKENS[token]
                    there = extended.get(longer)
                    if there is None:
                        extended[longer] = [_NEG_INF, score, target, token]
                    else:
                        there[1] = _logaddexp(there[1], score)
            totals = {prefix: _logaddexp(e[0], e[1]) for prefix, e in extended.items()}
            floor = max(totals.values()) - config.score_beam
            kept = [prefix for prefix, total in totals.items() if total >= floor]
            if len(kept) > config.beam_width:
                kept = heapq.nlargest(config.beam_width, kept, key=totals.__getitem__)
            beams = {prefix: extended[prefix] for prefix in kept}
        for prefix, (pb, pnb, state, _) in beams.items():
            if accepting[state]:
                early = _logaddexp(pb, pnb) + blank_tail[t + 1]
                key = _normal(prefix)
                finished[key] = max(finished.get(key, _NEG_INF), early)

    results: dict[str, float] = {}
    for prefix, (pb, pnb, state, _) in beams.items():
        if accepting[state]:
            key = _normal(prefix)
            results[key] = _logaddexp(results.get(key, _NEG_INF), _logaddexp(pb, pnb))
    for key, score in finished.items():
        results[key] = max(results.get(key, _NEG_INF), score)
    if not results and beams:
        # No hypothesis reached the end of a sentence: finish the best one by the shortest way.
        prefix, (_, _, state, _) = max(beams.items(), key=lambda kv: _logaddexp(kv[1][0], kv[1][1]))
        text = _normal(_completion(graph, prefix, state))
        score = ctc_log_score(log_probs, text)
        if score > _NEG_INF:
            results[text] = with_bonus(score, text, bonus)
    ranked = sorted(results.items(), key=lambda kv: kv[1], reverse=True)[: config.nbest]
    if any(free):
        # the ranking kept the free-text charge; report each text's exact CTC score
        texts = [text for text, _ in ranked if text]
        exact = ctc_log_scores(log_probs, texts)
        return [Hypothesis(text, score) for text, score in zip(texts, exact, strict=True)]
    return [Hypothesis(text, with_bonus(score, text, -bonus)) for text, score in ranked if text]
