"""Grammar-constrained CTC prefix beam search on synthetic log-probabilities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assistant.commands.grammar import CommandSet
from assistant.commands.matcher import parse_text
from assistant.decoding.constrained import (
    BeamConfig,
    _PrefixTree,
    constrained_decode,
    continuation,
    ctc_log_score,
    ctc_log_scores,
    unconstrained_decode,
)
from assistant.decoding.lexicon import lexicon_graph
from assistant.vocabulary import BLANK_ID, TOKENS
from tests.assistant.conftest import PeakyFactory, peaky_log_probs

SMALL = CommandSet.from_yaml(
    """
intents:
  Call:
    - "call {who}"
    - "call all"
  Wait:
    - "wait {n:number 1..120} [minutes]"
lists:
  who: [alan, allan, bob]
"""
)


def one_hot_path(path: str) -> np.ndarray:
    """Log-probs whose frames say ``path`` ('_' = blank) with probability ~0.97 each."""
    ids = [BLANK_ID if c == "_" else TOKENS.index(c) for c in path]
    scores = np.full((len(ids), len(TOKENS)), -5.0, dtype=np.float32)
    scores[np.arange(len(ids)), ids] = 0.0
    return scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))


@pytest.mark.parametrize(
    "sentence",
    [
        "set a timer for ten minutes",
        "set timer for an hour and a half called tea time",
        "start a one hundred and five minute timer",
        "what is nine hundred and ninety nine divided by twenty five",
        "remind me in two hours thirty minutes",
        "begin a ninety second timer",
        "open the web browser",
        "add a note call all the people",
        "turn the volume up",
        "stop",
    ],
)
def test_peaky_in_grammar_sentences_decode_exactly(
    sentence: str, peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    log_probs = peaky(sentence, seed=len(sentence))
    best = constrained_decode(log_probs, builtin_commands.graph)[0]
    assert best.text == sentence
    # Leading and trailing spaces are other label sequences of the same text: their
    # probabilities add to that of the bare sentence.
    # The beam prunes a little of the alignment mass away.
    assert ctc_log_score(log_probs, sentence) - 0.1 <= best.log_score <= 0.0


def test_repeated_letters_need_a_blank() -> None:
    # "al_l" spells "all"; "alll" without a blank spells "al".
    with_blank = constrained_decode(one_hot_path("__cal_l__al_l__"), SMALL.graph)
    assert with_blank[0].text == "call all"
    alan = constrained_decode(one_hot_path("_ca_ll_ a_lan_"), SMALL.graph)
    assert alan[0].text == "call alan"
    allan = constrained_decode(one_hot_path("_ca_ll_ al_lan_"), SMALL.graph)
    assert allan[0].text == "call allan"


def test_nbest_is_sorted_unique_and_in_grammar(peaky: PeakyFactory) -> None:
    log_probs = peaky("wait twenty five minutes")
    config = BeamConfig(nbest=4)
    hypotheses = constrained_decode(log_probs, SMALL.graph, config)
    texts = [h.text for h in hypotheses]
    assert texts[0] == "wait twenty five minutes"
    assert len(set(texts)) == len(texts) <= 4
    # ranked by the search's scale: the letters of fillers ("please") earn no bonus
    bonus = config.char_bonus
    ranking = [
        h.ranking_score(bonus) - bonus * SMALL.graph.filler_letters(h.text) for h in hypotheses
    ]
    assert ranking == sorted(ranking, reverse=True)
    assert all(SMALL.graph.accepts(t) for t in texts)
    # the reported score is the CTC log-probability without the bonus (for the best text the
    # beam keeps nearly every alignment of these clear frames)
    assert hypotheses[0].log_score == pytest.approx(ctc_log_score(log_probs, texts[0]), abs=0.25)


def test_char_bonus_prefers_a_word_whose_sound_was_heard_faintly() -> None:
    # "own" whose "w" was heard faintly: one frame gives it 0.2 against 0.8 for blank
    log_probs = one_hot_path("_o_wn_")
    log_probs[3] = np.log(np.where(np.arange(len(TOKENS)) == BLANK_ID, 0.8, 0.2 / 28))
    log_probs[3, TOKENS.index("w")] = math.log(0.2)
    words = lexicon_graph(["on", "own"], loop=False)
    # pure probability drops the faint sound; the bonus per character keeps it
    assert constrained_decode(log_probs, words, BeamConfig(char_bonus=0.0))[0].text == "on"
    best = constrained_decode(log_probs, words, BeamConfig(char_bonus=2.0))
    assert best[0].text == "own"
    assert best[0].log_score == pytest.approx(ctc_log_score(log_probs, "own"), abs=0.05)
    assert best[0].log_score < best[1].log_score  # ranked by the bonus, reported without it


def test_out_of_range_number_is_not_decoded(peaky: PeakyFactory) -> None:
    texts = [h.text for h in constrained_decode(peaky("wait two hundred"), SMALL.graph)]
    assert "wait two hundred" not in texts
    assert all(SMALL.graph.accepts(t) for t in texts)


def test_too_few_frames_give_no_hypothesis() -> None:
    assert constrained_decode(one_hot_path("ca"), SMALL.graph) == []
    assert constrained_decode(np.zeros((0, len(TOKENS)), np.float32), SMALL.graph) == []


def test_free_text_slot_is_unconstrained(peaky: PeakyFactory, builtin_commands: CommandSet) -> None:
    sentence = "add a note zyx qqq wvut"
    assert constrained_decode(peaky(sentence), builtin_commands.graph)[0].text == sentence


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("add a note", "buy milk"),
        ("add a nte", "buy milk"),  # a prefix the model did not quite say still aligns
        ("", "add a note buy milk"),
        ("add a note buy milk", ""),
        ("add a note buy milk and eggs", ""),  # more than was said: nothing after it
    ],
)
def test_continuation_reads_the_frames_after_the_prefix(prefix: str, expected: str) -> None:
    log_probs = peaky_log_probs("add a note buy milk", seed=5)
    assert continuation(log_probs, prefix) == expected


def test_continuation_keeps_a_letter_the_prefix_ends_with() -> None:
    # "note" then "eat": the prefix's last "e" must not swallow the first letter after it
    log_probs = peaky_log_probs("note eat", seed=2)
    assert continuation(log_probs, "note") == "eat"
    doubled = peaky_log_probs("notee", seed=2)  # two "e"s, a blank between
    assert continuation(doubled, "note") == "e"


def test_unconstrained_mode_is_greedy(peaky: PeakyFactory) -> None:
    log_probs = peaky("hello world")
    free = unconstrained_decode(log_probs)
    assert free.text == "hello world"
    assert math.isclose(free.log_score, float(log_probs.max(axis=1).sum()), rel_tol=1e-5)


def test_ctc_log_score_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((4, 3))
    small = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    full = np.full((4, len(TOKENS)), -np.inf)
    full[:, [BLANK_ID, TOKENS.index("a"), TOKENS.index("b")]] = small
    # Every alignment of "ab" in 4 frames over {blank, a, b}, by enumeration.
    total = 0.0
    for path in np.ndindex(3, 3, 3, 3):
        collapsed = [p for i, p in enumerate(path) if p and (i == 0 or p != path[i - 1])]
        if collapsed == [1, 2]:
            total += math.exp(sum(small[t, p] for t, p in enumerate(path)))
    assert math.isclose(ctc_log_score(full.astype(np.float32), "ab"), math.log(total), rel_tol=1e-5)


@pytest.mark.parametrize("frames", [0, 1, 5])
def test_ctc_log_scores_of_many_texts_match_brute_force(frames: int) -> None:
    # texts of different lengths share one padded forward pass; repeats need a blank between
    rng = np.random.default_rng(frames)
    logits = rng.standard_normal((frames, 3))
    small = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    full = np.full((frames, len(TOKENS)), -np.inf)
    full[:, [BLANK_ID, TOKENS.index("a"), TOKENS.index("b")]] = small
    texts = ["", "a", "aa", "ab", "aab", "abba"]
    totals = dict.fromkeys(texts, 0.0)
    for path in np.ndindex(*(3,) * frames):
        collapsed = "".join(
            " ab"[p] for i, p in enumerate(path) if p and (i == 0 or p != path[i - 1])
        )
        if collapsed in totals:
            totals[collapsed] += math.exp(sum(small[t, p] for t, p in enumerate(path)))
    scores = ctc_log_scores(full.astype(np.float32), texts)
    for text, score in zip(texts, scores, strict=True):
        expected = math.log(totals[text]) if totals[text] > 0 else -math.inf
        assert score == expected or math.isclose(score, expected, rel_tol=1e-6), text
    assert ctc_log_scores(full, []) == []


def test_bad_shapes_and_configs_raise() -> None:
    with pytest.raises(ValueError, match="frames, 29"):
        constrained_decode(np.zeros((5, 3), np.float32), SMALL.graph)
    with pytest.raises(ValueError, match="beam_width"):
        BeamConfig(beam_width=0)


@settings(max_examples=40, deadline=None)
@given(
    arrays(
        np.float32,
        st.tuples(st.integers(0, 60), st.just(len(TOKENS))),
        elements=st.floats(-20, 5, width=32),
    ),
    st.integers(1, 8),
)
def test_random_scores_never_crash_and_yield_grammar_text(
    logits: np.ndarray, beam_width: int
) -> None:
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    hypotheses = constrained_decode(log_probs, SMALL.graph, BeamConfig(beam_width=beam_width))
    for hypothesis in hypotheses:
        assert SMALL.graph.accepts(hypothesis.text)
        assert parse_text(hypothesis.text, SMALL.grammar) is not None
        assert hypothesis.log_score <= 1e-3
    if log_probs.shape[0] >= 30:  # long enough for any short sentence: never empty
        assert hypotheses


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 120), st.booleans(), st.integers(0, 1000))
def test_numbers_decode_exactly(n: int, minutes: bool, seed: int) -> None:
    from assistant.commands.numbers import spoken_forms

    forms = spoken_forms(n)
    sentence = f"wait {forms[seed % len(forms)]}" + (" minutes" if minutes else "")
    best = constrained_decode(peaky_log_probs(sentence, seed=seed), SMALL.graph)[0]
    assert best.text == sentence


def test_prefix_tree_gives_a_prefix_made_again_its_node_also_after_growing() -> None:
    tree = _PrefixTree(vocab=len(TOKENS), capacity=2)
    h, e = TOKENS.index("h"), TOKENS.index("e")
    first = tree.grow(np.array([0, 0]), np.array([h, e]))
    second = tree.grow(np.array([first[0], first[0], first[1]]), np.array([e, h, h]))
    assert first.tolist() == [1, 2] and second.tolist() == [3, 4, 5]
    again = tree.grow(np.array([first[0], 0, first[1]]), np.array([e, h, e]))
    assert again.tolist() == [3, 1, 6]
    assert [tree.text(n) for n in range(7)] == ["", "h", "e", "he", "hh", "eh", "ee"]
