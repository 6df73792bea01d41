"""Free text read against common English words, weighed by how common they are.

The acoustic model spells what it hears, and on a voice it finds hard it spells common words
the way they sound: "somthing", "som thing", "sempin". Free-text slots (a timer's name, a note)
are read greedily from the frames after the words before them; :func:`read_as_words` then
decodes the same frames against a loop of the common words (``english_words.txt``, about
19,500 words, most frequent first) and weighs each reading found by its CTC log-probability
plus a unigram language model: a word's log-probability follows Zipf's law from its rank in
the list, ``-log(rank) - log(H)`` (``H`` the harmonic number of the list's length).

- Heard text with words outside the list gives way to the best weighed reading that the model
  finds nearly as likely: within :attr:`WordsConfig.allowance` nats for each heard word that
  is not in the list. Where none is, the text stays as heard, so an unusual name that the
  model spells plainly is kept.
- Heard text whose words are all in the list is itself weighed the same way, and gives way
  only to a reading that weighs more: "some thing" becomes "something", which is nearly as
  likely to the model and far more likely as English.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from assistant.decoding.constrained import BeamConfig, constrained_decode, ctc_log_scores
from assistant.decoding.graph import CharGraph
from assistant.decoding.lexicon import lexicon_graph

_LOGGER = logging.getLogger(__name__)

WORDS_PATH = Path(__file__).with_name("english_words.txt")
"""The common words, most frequent first (written by ``python -m models.data.word_list``)."""


@dataclass(frozen=True)
class WordsConfig:
    """When a reading in common words replaces the heard spelling."""

    allowance: float = 2.0
    """Nats of CTC log-probability a reading may lose per heard word that is not in the list.
    Chosen on whole utterances read either way (``benchmarks/common_words.py``: 625 of
    speechocean762 test, real voices, and 400 held-out pico sentences); a larger allowance
    reads more of the list's words right and more names the list lacks wrong. Its figures for
    the released model are in ``docs/results/common_words.txt``."""
    lm_weight: float = 0.5
    """Weight of the unigram log-probability against the CTC log-probability when readings
    (and heard text that is all listed words) are weighed; 0 weighs by sound alone. 0.5 reads
    a little more right than sound alone on ``benchmarks/common_words.py``'s tables; 1 and 2
    are no better (figures in ``docs/history.md``)."""
    nbest: int = 10
    """Readings of the word loop weighed."""


@dataclass(frozen=True)
class WordReadings:
    """The frames of some heard text read as common words: the readings found and their CTC
    log-probabilities, beside the heard text's."""

    heard: str
    """The heard (greedy) text."""
    heard_score: float
    """Its CTC log-probability."""
    unknown: int
    """Words of the heard text that are not in the list."""
    readings: tuple[tuple[str, float], ...]
    """Readings as common words (single spaces) and their CTC log-probabilities."""

    def choose(self, allowance: float, lm_weight: float) -> str:
        """The text to show: the best weighed reading allowed (see the module's docstring), or
        the heard text."""
        chosen = self.heard
        if self.unknown:  # the heard text is not weighed; a reading must sound nearly as likely
            best, floor = -math.inf, self.heard_score - allowance * self.unknown
        else:
            best, floor = self.heard_score + lm_weight * unigram_log_prob(self.heard), -math.inf
        for text, score in self.readings:
            weighed = score + lm_weight * unigram_log_prob(text)
            if score >= floor and weighed > best:
                chosen, best = text, weighed
        return chosen


@cache
def word_ranks() -> dict[str, int]:
    """Each word of ``english_words.txt`` (written normalised: one per line, ``#`` comments)
    and its rank, 1 for the most frequent."""
    lines = WORDS_PATH.read_text(encoding="utf-8").splitlines()
    words = [line for line in lines if line and not line.startswith("#")]
    return {word: rank for rank, word in enumerate(words, 1)}


@cache
def common_words() -> frozenset[str]:
    """The words of ``english_words.txt``."""
    return frozenset(word_ranks())


def unigram_log_prob(text: str) -> float:
    """Natural log of the unigram probability of ``text``'s words, by Zipf's law from their
    ranks in the list; a word outside it counts as the rarest."""
    ranks = word_ranks()
    rarest, log_harmonic = _zipf_constants()
    return -sum(math.log(ranks.get(word, rarest)) + log_harmonic for word in text.split())


@cache
def _zipf_constants() -> tuple[int, float]:
    """The rarest rank, and the log of the list's harmonic number (ln N + Euler's gamma)."""
    count = len(word_ranks())
    return count, math.log(math.log(count) + 0.5772156649)


@cache
def common_words_graph() -> CharGraph:
    """A loop of the common words (built once per process, in about 0.2 s)."""
    return lexicon_graph(word_ranks(), loop=True)


def _scores_with_edge_spaces(log_probs: np.ndarray, texts: list[str]) -> list[float]:
    """CTC log-probability of each text with or without a space before and after it (the
    frames of a free-text slot may begin with the space after the words before it): the four
    spellings' probabilities summed."""
    variants = [edge for text in texts for edge in (text, f" {text}", f"{text} ", f" {text} ")]
    scores = np.array(ctc_log_scores(log_probs, variants)).reshape(len(texts), 4)
    return [float(total) for total in np.logaddexp.reduce(scores, axis=1)]


def word_readings(log_probs: np.ndarray, heard: str, nbest: int = 10) -> WordReadings | None:
    """Up to ``nbest`` readings as common words of the (T, V) ``log_probs`` whose greedy text
    is ``heard``; None when ``heard`` is empty or no reading is found."""
    if not heard.strip() or log_probs.shape[0] == 0:
        return None
    found = constrained_decode(log_probs, common_words_graph(), BeamConfig(nbest=nbest))
    texts = list(dict.fromkeys(" ".join(h.text.split()) for h in found))
    if not texts:
        return None
    heard_score, *scores = _scores_with_edge_spaces(log_probs, [heard, *texts])
    words = word_ranks()
    unknown = sum(word not in words for word in heard.split())
    return WordReadings(heard, heard_score, unknown, tuple(zip(texts, scores, strict=True)))


def read_as_words(log_probs: np.ndarray, heard: str, config: WordsConfig = WordsConfig()) -> str:
    """``heard`` (the greedy text of the (T, V) ``log_probs``) or the best reading of the same
    frames as common words, as :meth:`WordReadings.choose` weighs them."""
    readings = word_readings(log_probs, heard, config.nbest)
    if readings is None:
        return heard
    chosen = readings.choose(config.allowance, config.lm_weight)
    if chosen != heard:
        _LOGGER.debug("free text %r read as %r", heard, chosen)
    return chosen
