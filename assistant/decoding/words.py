"""Free text read against common English words.

The acoustic model spells what it hears, and on a voice it finds hard it spells common words
the way they sound: "somthing", "som thing", "sempin". Free-text slots (a timer's name, a note)
are read greedily from the frames after the words before them; :func:`read_as_words` then
decodes the same frames against a loop of the common words (``english_words.txt``, about
19,500 words) and takes that reading instead when the model finds it nearly as likely: within
:attr:`WordsConfig.allowance` nats for each heard word that is not in the list. Heard text
whose words are all in the list stays as it is, so an unusual name that the model spells
plainly is kept, and one that it mangles becomes the nearest word only if the sound fits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from assistant.commands.graph import CharGraph
from assistant.decoding.constrained import constrained_decode, ctc_log_scores
from assistant.decoding.lexicon import lexicon_graph

_LOGGER = logging.getLogger(__name__)

WORDS_PATH = Path(__file__).with_name("english_words.txt")
"""The common words, most frequent first (written by ``python -m models.data.word_list``)."""


@dataclass(frozen=True)
class WordsConfig:
    """When a reading in common words replaces the heard spelling."""

    allowance: float = 2.0
    """Nats of CTC log-probability the word reading may lose per heard word that is not in
    the list. Chosen on whole utterances read either way (250 of speechocean762 test, real
    voices, and 200 held-out pico sentences), stage 16-17 model: word error rate 77.2 -> 74.2 %
    and 70.2 -> 65.9 %; 1 nat did less on both, 3 was as good on the real voices (74.3 %) and
    better on pico (64.3 %) but trusts the list more with names it lacks, 6 did less on both,
    and always taking the word reading made the pico sentences worse (77.4 %). Later models
    and samples have turned 2 against 3 either way on those sets, and on speechocean762's
    sentences with words the list lacks 3 is worse (87.8 against 86.5 % WER, stage 21;
    ``docs/benchmarks.md``); the released model's figures, from
    ``benchmarks/common_words.py``, are in ``docs/results/common_words.txt``."""


@dataclass(frozen=True)
class WordReading:
    """The frames of some heard text read as common words, and what that reading costs."""

    text: str
    """The reading: common words separated by single spaces."""
    loss: float
    """Nats of CTC log-probability the reading has less than the heard text (negative when
    the reading is more likely)."""
    unknown: int
    """Words of the heard text that are not in the list (at least one)."""

    def within(self, allowance: float) -> bool:
        """Whether the reading is likely enough to replace the heard text: it loses at most
        ``allowance`` nats per heard word that is not in the list."""
        return self.loss <= allowance * self.unknown


@cache
def common_words() -> frozenset[str]:
    """The words of ``english_words.txt`` (written normalised: one per line, ``#`` comments)."""
    lines = WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


@cache
def common_words_graph() -> CharGraph:
    """A loop of the common words (built once per process, in about 0.2 s)."""
    return lexicon_graph(common_words(), loop=True)


def word_reading(log_probs: np.ndarray, heard: str) -> WordReading | None:
    """The best reading as common words of the (T, V) ``log_probs`` whose greedy text is
    ``heard``; None when every heard word is in the list, or no reading is found."""
    words = common_words()
    unknown = sum(word not in words for word in heard.split())
    if not unknown or log_probs.shape[0] == 0:
        return None
    found = constrained_decode(log_probs, common_words_graph())
    if not found:
        return None
    reading = " ".join(found[0].text.split())
    heard_score, reading_score = ctc_log_scores(log_probs, [heard, reading])
    return WordReading(reading, heard_score - reading_score, unknown)


def read_as_words(log_probs: np.ndarray, heard: str, config: WordsConfig = WordsConfig()) -> str:
    """``heard`` (the greedy text of the (T, V) ``log_probs``) or, when the model finds it
    nearly as likely, the best reading of the frames as common words."""
    reading = word_reading(log_probs, heard)
    if reading is None or not reading.within(config.allowance):
        return heard
    _LOGGER.debug("free text %r read as %r (%.2f nats less)", heard, reading.text, reading.loss)
    return reading.text
