"""The vectorised constrained search against a plain one written hypothesis by hypothesis.

The reference below is the search as it was first written (and shipped until stop 15): a dict
from prefix string to its two CTC scores, grown one token at a time. The array version must
return the same texts with the same scores for any log-probs, beam width and grammar.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.commands.grammar import CommandSet
from assistant.decoding.constrained import (
    BeamConfig,
    Hypothesis,
    _logaddexp,
    _ranked_texts,
    constrained_decode,
)
from assistant.decoding.graph import CharGraph
from assistant.decoding.lexicon import lexicon_graph
from assistant.vocabulary import BLANK_ID, SPACE_ID, TOKENS
from tests.assistant.conftest import peaky_log_probs

NEG_INF = float("-inf")


def normal(prefix: str) -> str:
    return " ".join(prefix.split())


def reference_decode(
    log_probs: np.ndarray, graph: CharGraph, config: BeamConfig = BeamConfig()
) -> list[Hypothesis]:
    """The search as first written: one hypothesis at a time, prefixes as dict keys."""
    frames = log_probs.shape[0]
    scores = log_probs.astype(np.float64)
    cutoffs = (scores.max(axis=1) - config.token_prune).tolist()
    rows = scores.tolist()
    skip = scores[:, BLANK_ID] > math.log(config.blank_skip)
    # Sum of blank log-probs from frame t to the end: the score of ending early.
    blank_tail = np.concatenate([np.cumsum(scores[::-1, BLANK_ID])[::-1], [0.0]]).tolist()
    arcs, accepting, start = graph.arcs, graph.accepting, graph.start
    free, penalty, bonus = graph.free_text, config.free_text_penalty, config.char_bonus
    fillers = graph.filler_tokens

    # prefix -> [log p ending in blank, log p ending in non-blank, state, last token]
    beams: dict[str, list] = {"": [0.0, NEG_INF, start, -1]}
    finished: dict[str, float] = {}
    for t in range(frames):
        row, cutoff = rows[t], cutoffs[t]
        blank = row[BLANK_ID]
        if skip[t]:
            for entry in beams.values():
                pb, pnb, _, last = entry
                entry[0] = _logaddexp(pb, pnb) + blank
                entry[1] = pnb + row[last] if last >= 0 else NEG_INF
        else:
            extended: dict[str, list] = {}
            for prefix, (pb, pnb, state, last) in beams.items():
                total = _logaddexp(pb, pnb)
                here = extended.get(prefix)
                stay_nb = pnb + row[last] if last >= 0 else NEG_INF
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
                    elif token != SPACE_ID and not (fillers and token in fillers[state]):
                        score += bonus  # a filler's letter ("um", "please") earns none
                    longer = prefix + TOKENS[token]
                    there = extended.get(longer)
                    if there is None:
                        extended[longer] = [NEG_INF, score, target, token]
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
                key = normal(prefix)
                finished[key] = max(finished.get(key, NEG_INF), early)

    ends = {prefix: (pb, pnb, state) for prefix, (pb, pnb, state, _) in beams.items()}
    return _ranked_texts(log_probs, graph, config, ends, finished)


GRAPHS = {
    "play, volume and notes": CommandSet.from_yaml(
        """
intents:
  Play:
    - "play [some] {song}"
  Volume:
    - "[set the] volume [to] {n:number 0..100} [percent]"
  Note:
    - "note {body:text}"
lists:
  song: [jazz, blues, the news]
"""
    ).graph,
    "word loop": lexicon_graph(["yes", "no", "go", "stop", "one", "two", "a", "b"], loop=True),
}


def assert_same(log_probs: np.ndarray, graph: CharGraph, config: BeamConfig) -> None:
    got = constrained_decode(log_probs, graph, config)
    expected = reference_decode(log_probs, graph, config)
    assert [h.text for h in got] == [h.text for h in expected]
    assert [h.log_score for h in got] == pytest.approx([h.log_score for h in expected], abs=1e-6)


@pytest.mark.parametrize("name", sorted(GRAPHS))
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    frames=st.integers(0, 40),
    spread=st.floats(0.5, 6.0),
    beam_width=st.sampled_from([1, 2, 3, 8, 64]),
)
def test_random_scores_give_what_the_plain_search_gives(
    name: str, seed: int, frames: int, spread: float, beam_width: int
) -> None:
    # continuous random scores: exact ties, which either search may break its own way, are
    # left out
    logits = spread * np.random.default_rng(seed).standard_normal((frames, len(TOKENS)))
    log_probs = (logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))).astype(np.float32)
    assert_same(log_probs, GRAPHS[name], BeamConfig(beam_width=beam_width))


@pytest.mark.parametrize("beam_width", [4, 16, 64])
@pytest.mark.parametrize(
    "sentence",
    [
        "set a timer for ten minutes called tea",
        "what is twenty five plus one hundred and five",
        "add a note call all the people",
        "turn the volume up",
    ],
)
def test_spoken_commands_give_what_the_plain_search_gives(
    sentence: str, beam_width: int, builtin_commands: CommandSet
) -> None:
    for seed, peak in ((0, 0.9), (1, 0.5), (2, 0.3)):
        log_probs = peaky_log_probs(sentence, seed=seed, peak=peak, noise=1.0)
        assert_same(log_probs, builtin_commands.graph, BeamConfig(beam_width=beam_width))
