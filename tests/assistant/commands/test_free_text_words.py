"""Free text read against the common-word list: misheard spellings of words become the words,
plain spellings of other words stay."""

from __future__ import annotations

import math

import numpy as np

from assistant.commands.grammar import CommandSet
from assistant.commands.intents import recognize
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import (
    WORDS_PATH,
    WordsConfig,
    common_words,
    read_as_words,
    unigram_log_prob,
    word_ranks,
)
from assistant.vocabulary import BLANK_ID, TOKENS, normalize_text
from tests.assistant.conftest import PeakyFactory


def _faint(log_probs: np.ndarray, letters: str) -> np.ndarray:
    """``log_probs`` with each frame whose best token is one of ``letters`` made to favour the
    blank a little (0.55 against the letter's 0.4): greedy decoding drops those letters."""
    probs = np.exp(log_probs)
    for t, token in enumerate(probs.argmax(axis=1)):
        if TOKENS[token] in letters:
            probs[t] = 0.05 / (len(TOKENS) - 2)
            probs[t, BLANK_ID], probs[t, token] = 0.55, 0.4
    return np.log(probs).astype(np.float32)


def test_the_word_list_is_normalised_and_keeps_out_abbreviations() -> None:
    lines = [line for line in WORDS_PATH.read_text().splitlines() if not line.startswith("#")]
    assert len(lines) == len(set(lines)) == len(common_words()) > 19000
    assert all(normalize_text(line) == line and " " not in line for line in lines)
    assert {"something", "milk", "don't", "a", "i", "pasta"} <= common_words()
    assert not {"rs", "tv", "dr", "nfl", "hmm"} & common_words()


def test_a_misheard_common_word_is_read_as_the_word(peaky: PeakyFactory) -> None:
    log_probs = _faint(peaky("something", seed=1), "eh")
    heard = greedy_decode(log_probs).strip()
    assert heard == "somting"
    assert read_as_words(log_probs, heard) == "something"
    # no allowance: the word reading must be at least as likely as the spelling heard
    assert read_as_words(log_probs, heard, WordsConfig(allowance=0.0)) == "somting"


def test_plainly_spelled_words_stay_as_heard(peaky: PeakyFactory) -> None:
    unknown = peaky("zorblax", seed=2)
    assert read_as_words(unknown, "zorblax") == "zorblax"


def _faint_space(log_probs: np.ndarray) -> np.ndarray:
    """``log_probs`` with each frame whose best token is the space made a near tie of the
    space (0.5) and the blank (0.45): greedy decoding keeps the space, barely."""
    probs = np.exp(log_probs)
    space = TOKENS.index(" ")
    for t, token in enumerate(probs.argmax(axis=1)):
        if token == space:
            probs[t] = 0.05 / (len(TOKENS) - 2)
            probs[t, space], probs[t, BLANK_ID] = 0.5, 0.45
    return np.log(probs).astype(np.float32)


def test_listed_words_give_way_only_to_a_reading_that_is_much_more_likely_english(
    peaky: PeakyFactory,
) -> None:
    split = _faint_space(peaky("some thing", seed=3))
    assert greedy_decode(split).strip() == "some thing"
    # a space the model barely hears: "something" is as likely to it and far likelier English
    assert read_as_words(split, "some thing") == "something"
    # weighed by sound alone, the heard words stay
    assert read_as_words(split, "some thing", WordsConfig(lm_weight=0.0)) == "some thing"
    # a plain space stays: the two words are what was said
    assert read_as_words(peaky("same thing", seed=3), "same thing") == "same thing"


def test_the_unigram_model_follows_the_ranks_of_the_list() -> None:
    # Zipf: a word's probability is 1 / (rank * H); a word outside the list counts as the rarest
    assert unigram_log_prob("the") > unigram_log_prob("something") > unigram_log_prob("pasta")
    assert unigram_log_prob("zorblax") == unigram_log_prob(max(word_ranks(), key=word_ranks().get))
    assert unigram_log_prob("some thing") == unigram_log_prob("some") + unigram_log_prob("thing")
    harmonic = sum(1 / rank for rank in range(1, len(word_ranks()) + 1))
    assert math.isclose(unigram_log_prob("the"), -math.log(harmonic), abs_tol=1e-3)


def test_recognize_shows_the_free_text_as_words_but_judges_it_as_heard(
    peaky: PeakyFactory, builtin_commands: CommandSet
) -> None:
    log_probs = _faint(peaky("set a timer for ten minutes called something", seed=4), "h")
    as_words = recognize(log_probs, builtin_commands, threshold=0.0)
    as_heard = recognize(log_probs, builtin_commands, threshold=0.0, words=None)
    assert dict(as_heard.slots) == {"duration": 600, "name": "someting"}
    assert dict(as_words.slots) == {"duration": 600, "name": "something"}
    assert as_words.text == "set a timer for ten minutes called something"
    assert as_words.confidence == as_heard.confidence
