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

Speed comes from two standard prunings (characters far below a frame's best are not tried,
and frames that are almost surely blank only extend by blank) and from working on the whole
beam at once: each frame grows every hypothesis by every allowed token in a few array
operations, so a beam of 64 costs not much more than one of 16. Prefixes are nodes of a tree
(:class:`_PrefixTree`), spelled out only for the texts returned.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.decoding.graph import (
    FILLER_STEP,
    FREE_TEXT_STEP,
    LETTER_STEP,
    SPACE_STEP,
    CharGraph,
)
from assistant.decoding.greedy import best_path, greedy_decode
from assistant.vocabulary import BLANK_ID, CHAR_IDS, TOKENS

_NEG_INF = float("-inf")


@dataclass(frozen=True)
class BeamConfig:
    """Search parameters of :func:`constrained_decode`."""

    beam_width: int = 64
    """Hypotheses kept after each frame. A narrow beam fills up with prefixes that race ahead
    on faint letters (each earns ``char_bonus``) and can lose the sentence that was said; 64
    gets more commands right than 16 for a few ms more per 3 s (figures in
    ``docs/history.md``)."""
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

    def __post_init__(self) -> None:
        """Reject settings the search cannot use."""
        if self.beam_width < 1 or self.nbest < 1:
            raise ValueError(f"beam_width and nbest must be >= 1, got {self}")
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
        extended[row, 1 : 2 * len(text) : 2] = [CHAR_IDS[c] for c in text]
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
    start = continuation_start(log_probs, prefix)
    return "" if start is None else greedy_decode(log_probs[start:]).strip()


def continuation_start(log_probs: np.ndarray, prefix: str) -> int | None:
    """The first frame after ``prefix`` on the path that best explains all frames (see
    :func:`continuation`); None when ``prefix`` cannot fit in the frames."""
    _check(log_probs)
    frames = log_probs.shape[0]
    if not prefix:
        return 0
    if frames < len(prefix):
        return None
    extended, skip = (states[0] for states in _label_states([prefix]))
    emissions = log_probs.astype(np.float64)[:, extended]  # (T, states)
    # the rest of the best path from frame t on: sum of per-frame maxima
    peaks = log_probs.astype(np.float64).max(axis=1)
    rest = np.concatenate([np.cumsum(peaks[::-1])[::-1], [0.0]])
    delta = np.full(extended.size, _NEG_INF)
    delta[:2] = emissions[0, :2]
    done = np.full(frames, _NEG_INF)  # prefix complete at frame t (on its last char or blank)
    done[0] = delta[-2:].max()
    previous, two_back = np.full(delta.size, _NEG_INF), np.full(delta.size, _NEG_INF)
    skip_into = skip[2:]
    for t in range(1, frames):
        previous[1:] = delta[:-1]
        np.copyto(two_back[2:], delta[:-2], where=skip_into)  # elsewhere it stays -inf
        np.maximum(delta, previous, out=delta)
        np.maximum(delta, two_back, out=delta)
        delta += emissions[t]
        done[t] = delta[-2:].max()
    total = done + rest[1:]
    if not np.isfinite(total.max()):
        return None
    # the latest of equally good ends: the prefix's last letter keeps the frames it holds
    return frames - int(np.argmax(total[::-1]))


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


class _PrefixTree:
    """The prefixes the search has made, one node each: a parent node and a token (node 0 is
    the empty prefix). A prefix made again gets its old node back, so nodes compare as
    prefixes do. Nodes live in arrays that double when full; :attr:`place` is scratch space
    for the search, one entry per node and a last one that stays -1."""

    def __init__(self, vocab: int, capacity: int = 1024) -> None:
        self.vocab = vocab
        self.size = 1
        self.parents = np.full(capacity, -1, dtype=np.int64)
        self.tokens = np.full(capacity, -1, dtype=np.int64)
        self._children = np.full((capacity, vocab), -1, dtype=np.int64)
        self.place = np.full(capacity + 1, -1, dtype=np.int64)
        self._texts = {0: ""}

    def grow(self, parents: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """The node of each parent node grown by its token; the pairs must differ (the
        search grows each prefix of its beam, all different, at most once by each token)."""
        found = self._children[parents, tokens]
        new = (found < 0).nonzero()[0]
        if new.size:
            end = self.size + new.size
            if end > self.parents.size:
                self._enlarge(2 * end)
            found[new] = np.arange(self.size, end)
            self._children[parents[new], tokens[new]] = found[new]
            self.parents[self.size : end] = parents[new]
            self.tokens[self.size : end] = tokens[new]
            self.size = end
        return found

    def _enlarge(self, capacity: int) -> None:
        old = self.parents.size
        self.parents = np.concatenate([self.parents, np.full(capacity - old, -1)])
        self.tokens = np.concatenate([self.tokens, np.full(capacity - old, -1)])
        more = np.full((capacity - old, self.vocab), -1, dtype=np.int64)
        self._children = np.concatenate([self._children, more])
        self.place = np.concatenate([self.place, np.full(capacity - old, -1)])

    def text(self, node: int) -> str:
        """The prefix ``node`` stands for."""
        path = []
        while node not in self._texts:
            path.append(node)
            node = int(self.parents[node])
        for step in reversed(path):
            self._texts[step] = self._texts[node] + TOKENS[self.tokens[step]]
            node = step
        return self._texts[node]


def _step_scores(config: BeamConfig) -> np.ndarray:
    """What a step adds to a token's log-prob, by kind (see ``CharGraph.steps``): the bonus
    for a letter, nothing for a space, within free text a charge instead (and no bonus: free
    text must not grow for free), and nothing for a filler's letter (an optional "um" or
    "please" must be heard to be chosen, not earn its letters' bonus)."""
    scores = np.zeros(4)
    scores[[LETTER_STEP, SPACE_STEP, FREE_TEXT_STEP, FILLER_STEP]] = [
        config.char_bonus,
        0.0,
        -config.free_text_penalty,
        0.0,
    ]
    return scores


def constrained_decode(
    log_probs: np.ndarray, graph: CharGraph, config: BeamConfig = BeamConfig()
) -> list[Hypothesis]:
    """N-best texts the automaton accepts, best first, for (T, V) float log-probs.

    Empty when no text of the grammar fits in T frames.
    """
    _check(log_probs)
    frames, vocab = log_probs.shape
    scores = log_probs.astype(np.float64)
    allowed_tokens = scores >= (scores.max(axis=1) - config.token_prune)[:, None]
    skip = (scores[:, BLANK_ID] > math.log(config.blank_skip)).tolist()
    # Sum of blank log-probs from frame t to the end: the score of ending early.
    blank_tail = np.concatenate([np.cumsum(scores[::-1, BLANK_ID])[::-1], [0.0]])
    # a last column of -inf: the score of repeating "no last token" (-1)
    scores = np.concatenate([scores, np.full((frames, 1), _NEG_INF)], axis=1)
    steps, accepting = graph.steps, graph.accepting_mask
    step_scores, width, score_beam = _step_scores(config), config.beam_width, config.score_beam

    tree = _PrefixTree(vocab)
    # scratch (the beam never holds more than `width`): each (hypothesis, token) pair's index
    # among those grown, else -1; and the p_blank of hypotheses just grown
    pair_of = np.full(width * vocab, -1)
    minus_inf = np.full(width, _NEG_INF)
    # The beam, one entry per hypothesis: its node, its parent's node, log p(prefix, path ends
    # in blank), log p(prefix, path ends in its last token), their sum, automaton state, last
    # token.
    nodes, parents_of = np.zeros(1, dtype=np.int64), np.full(1, -1, dtype=np.int64)
    p_blank, p_char, totals = np.zeros(1), np.full(1, _NEG_INF), np.zeros(1)
    states, lasts = np.full(1, graph.start, dtype=np.int64), np.full(1, -1, dtype=np.int64)
    beam_nodes, beam_states, beam_totals = [], [], []  # the beam after each frame
    for t in range(frames):
        row = scores[t]
        blank = row[BLANK_ID]
        stay_char = p_char + row[lasts]
        if skip[t]:
            p_blank, p_char = totals + blank, stay_char
            totals = np.logaddexp(p_blank, p_char)
        else:
            stay_blank = totals + blank
            # every (hypothesis, token) the automaton and the token pruning allow, as
            # hypothesis * vocab + token (ascending), with its step (next state, kind)
            options = steps[states]
            pairs = ((options >= 0) & allowed_tokens[t]).ravel().nonzero()[0]
            parent, tokens = np.divmod(pairs, vocab)
            step = options.ravel()[pairs]
            grown = np.where(tokens == lasts[parent], p_blank[parent], totals[parent])
            grown += row[tokens] + step_scores[step & 3]
            # A hypothesis whose parent is in the beam too is also reached by growing that
            # parent: add that way to it (it keeps its place) and drop the grown copy.
            place = tree.place  # beam index of each node in the beam, else -1
            place[nodes] = np.arange(nodes.size)
            at = place[parents_of]
            place[nodes] = -1
            child = (at >= 0).nonzero()[0]
            if child.size and pairs.size:
                pair_of[pairs] = np.arange(pairs.size)
                found = pair_of[at[child] * vocab + lasts[child]]
                pair_of[pairs] = -1
                hit = found >= 0
                child, found = child[hit], found[hit]
                stay_char[child] = np.logaddexp(stay_char[child], grown[found])
                grown[found] = _NEG_INF
            # keep the `width` best of those that stay and those grown, within `score_beam`;
            # a grown one's total is its p_char (its p_blank is -inf)
            pool = np.concatenate([np.logaddexp(stay_blank, stay_char), grown])
            chosen = (pool >= pool.max() - score_beam).nonzero()[0]
            if chosen.size > width:
                top = pool[chosen].argpartition(chosen.size - width)[chosen.size - width :]
                chosen = chosen[top]
                chosen.sort()
            split = int(chosen.searchsorted(nodes.size))
            stays, news = chosen[:split], chosen[split:] - nodes.size
            new_parents = nodes[parent[news]]
            nodes = np.concatenate([nodes[stays], tree.grow(new_parents, tokens[news])])
            parents_of = np.concatenate([parents_of[stays], new_parents])
            p_blank = np.concatenate([stay_blank[stays], minus_inf[: news.size]])
            p_char = np.concatenate([stay_char[stays], grown[news]])
            states = np.concatenate([states[stays], step[news] >> 2])
            lasts = np.concatenate([lasts[stays], tokens[news]])
            totals = pool[chosen]
        beam_nodes.append(nodes)
        beam_states.append(states)
        beam_totals.append(totals)

    # A sentence may also end early, the rest of the frames blank: its best such score. Only
    # the `nbest` best texts can be returned, and a text that ends early scores below all of
    # them unless it is one of them, so the rest are never spelled out.
    finished: dict[str, float] = {}
    ended = accepting[np.concatenate(beam_states)] if frames else accepting[:0]
    if ended.any():
        sizes = np.fromiter(map(len, beam_nodes), np.int64, frames)
        every_node = np.concatenate(beam_nodes)[ended]
        every_score = (np.concatenate(beam_totals) + np.repeat(blank_tail[1:], sizes))[ended]
        best_first = np.argsort(-every_score, kind="stable")
        for node, score in zip(
            every_node[best_first].tolist(), every_score[best_first].tolist(), strict=True
        ):
            key = _normal(tree.text(node))
            if key not in finished:
                finished[key] = score
                if len(finished) == config.nbest:
                    break
    beams = {
        tree.text(node): (pb, pc, state)
        for node, pb, pc, state in zip(
            nodes.tolist(), p_blank.tolist(), p_char.tolist(), states.tolist(), strict=True
        )
    }
    return _ranked_texts(log_probs, graph, config, beams, finished)


def _ranked_texts(
    log_probs: np.ndarray,
    graph: CharGraph,
    config: BeamConfig,
    beams: dict[str, tuple[float, float, int]],
    finished: dict[str, float],
) -> list[Hypothesis]:
    """The n-best texts of a finished search: ``beams`` maps each prefix of the last beam to
    its two scores (ending in blank, ending in its last token) and its state, ``finished``
    each text that could end early to its best such score (both on the ranking scale)."""
    bonus = config.char_bonus
    results: dict[str, float] = {}
    for prefix, (pb, pnb, state) in beams.items():
        if graph.accepting[state]:
            key = _normal(prefix)
            results[key] = _logaddexp(results.get(key, _NEG_INF), _logaddexp(pb, pnb))
    for key, score in finished.items():
        results[key] = max(results.get(key, _NEG_INF), score)
    if not results and beams:
        # No hypothesis reached the end of a sentence: finish the best one by the shortest way.
        prefix, (_, _, state) = max(beams.items(), key=lambda kv: _logaddexp(kv[1][0], kv[1][1]))
        text = _normal(_completion(graph, prefix, state))
        score = ctc_log_score(log_probs, text)
        if score > _NEG_INF:
            results[text] = with_bonus(score, text, bonus)
    ranked = sorted(results.items(), key=lambda kv: kv[1], reverse=True)[: config.nbest]
    if graph.free_text_mask.any() or graph.has_fillers:
        # the ranking kept the free-text charge or the fillers' missing bonus; report each
        # text's exact CTC score
        found = [text for text, _ in ranked if text]
        exact = ctc_log_scores(log_probs, found)
        return [Hypothesis(text, score) for text, score in zip(found, exact, strict=True)]
    return [Hypothesis(text, with_bonus(score, text, -bonus)) for text, score in ranked if text]
