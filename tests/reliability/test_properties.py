"""Property-based tests of the grammar, the parser and the decoder on random input.

Existing properties (tests/assistant/commands): spoken numbers and durations round-trip,
number grammars accept exactly their range, the decoder on random scores under one small
grammar. These add random *templates*, typed slot values through the intent parser, and the
decoder under word-list automata.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from assistant.commands.confusion import FREE_TEXT_PLACEHOLDER, sample_sentences
from assistant.commands.errors import GrammarError, GrammarTooLargeError, TemplateError
from assistant.commands.expression import MAX_NUMBER, can_be_empty, parse_template
from assistant.commands.grammar import CommandSet, parse_grammar
from assistant.commands.intents import match_text
from assistant.commands.matcher import parse_text
from assistant.commands.numbers import duration_words, number_words
from assistant.decoding.constrained import BeamConfig, constrained_decode
from assistant.decoding.lexicon import lexicon_graph
from assistant.vocabulary import TOKENS

# Characters of the template syntax, a few words' worth of letters, and things it refuses.
TEMPLATE_CHARS = "()[]{}|: .,'ab go0129x\u00e9-_"
LISTS = {"app": {"values": ["firefox", {"in": "web browser", "out": "firefox"}]}}
RANDOM_TEXT = st.text(alphabet=TEMPLATE_CHARS, max_size=40)
# Well-formed templates too, so that the loaded-grammar half of the property is exercised.
WELL_FORMED = st.recursive(
    st.sampled_from(["go", "home", "the", "a", "{app}", "{n:number 1..20}", "{duration}"]),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(" ".join),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: "(" + " | ".join(xs) + ")"),
        inner.map(lambda x: f"[{x}]"),
    ),
    max_leaves=8,
)
TEMPLATES = st.one_of(RANDOM_TEXT, WELL_FORMED)


@settings(max_examples=300, deadline=None)
@given(TEMPLATES)
def test_template_parser_only_raises_template_error(text: str) -> None:
    try:
        expression = parse_template(text, ["app"])
    except TemplateError as e:
        assert str(e)  # says what is wrong
        return
    assert not can_be_empty(expression)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TEMPLATES, min_size=1, max_size=3))
def test_random_grammars_load_or_raise_grammar_error_and_accept_their_sentences(
    templates: list[str],
) -> None:
    text = yaml.safe_dump({"intents": {"Random": templates}, "lists": LISTS})
    try:
        commands = CommandSet(grammar=parse_grammar([("random.yaml", text)]), max_states=5000)
    except GrammarTooLargeError:
        return
    except GrammarError as e:
        assert (e.file, e.line is not None) == ("random.yaml", True)
        return
    for intent, sentence in sample_sentences(commands.grammar, per_template=5):
        if FREE_TEXT_PLACEHOLDER in sentence:
            continue
        assert commands.graph.accepts(sentence), sentence
        match = parse_text(sentence, commands.grammar)
        assert match is not None and match.intent == intent


TYPED = CommandSet.from_yaml(
    """
intents:
  Wait:
    - "wait {n:number 0..999999} [please]"
  Timer:
    - "timer for {duration}"
  Open:
    - "open [the] {app}"
  Note:
    - "note {body:text}"
lists:
  app:
    values: [firefox, {in: web browser, out: firefox}, {in: files, out: nautilus}]
"""
)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, MAX_NUMBER), st.booleans())
def test_number_slots_are_ints(n: int, polite: bool) -> None:
    result = match_text(f"wait {number_words(n)}" + (" please" if polite else ""), TYPED)
    assert (result.intent, result.slots) == ("Wait", {"n": n})
    assert type(result.slots["n"]) is int


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 99 * 3600 + 3599))
def test_duration_slots_are_int_seconds(seconds: int) -> None:
    result = match_text(f"timer for {duration_words(seconds)}", TYPED)
    assert (result.intent, result.slots) == ("Timer", {"duration": seconds})


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["firefox", "web browser", "files"]), st.booleans())
def test_list_slots_are_the_out_values(spoken: str, article: bool) -> None:
    result = match_text(f"open {'the ' if article else ''}{spoken}", TYPED)
    expected = {"firefox": "firefox", "web browser": "firefox", "files": "nautilus"}[spoken]
    assert (result.intent, result.slots) == ("Open", {"app": expected})


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["buy", "milk", "call", "mum", "at", "six"]), min_size=1))
def test_text_slots_keep_the_words(words: list[str]) -> None:
    result = match_text("note " + " ".join(words), TYPED)
    assert (result.intent, result.slots) == ("Note", {"body": " ".join(words)})


WORDS = ["yes", "no", "go", "stop", "one", "two", "three", "enter", "rubout", "a", "b"]


@pytest.mark.parametrize("loop", [True, False])
@settings(max_examples=30, deadline=None)
@given(
    logits=arrays(
        np.float32,
        st.tuples(st.integers(0, 50), st.just(len(TOKENS))),
        elements=st.floats(-20, 5, width=32),
    ),
    beam_width=st.integers(1, 8),
)
def test_lexicon_decoding_of_random_scores_yields_lexicon_text(
    loop: bool, logits: np.ndarray, beam_width: int
) -> None:
    graph = lexicon_graph(WORDS, loop=loop)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    config = BeamConfig(beam_width=beam_width)
    hypotheses = constrained_decode(log_probs, graph, config)
    for hypothesis in hypotheses:
        assert graph.accepts(hypothesis.text)
        words = hypothesis.text.split()
        assert set(words) <= set(WORDS) and (loop or len(words) == 1)
        assert np.isfinite(hypothesis.log_score) and hypothesis.log_score <= 1e-3
    scores = [h.ranking_score(config.char_bonus) for h in hypotheses]
    assert scores == sorted(scores, reverse=True)
