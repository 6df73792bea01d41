"""From log-probabilities (or typed text) to an intent with typed slots and a confidence.

Confidence compares two things on the natural-log scale, mapped to 0..1 by a logistic (scores
are on the search's scale: log-probability plus its bonus per letter, see
``assistant.decoding.constrained``):

* the *fit*: the best grammar path's score minus the unconstrained best path's score (greedy
  per-frame maxima), per frame. Speech that the grammar explains scores about as well as the
  free decoding (fit near 0); speech outside the grammar is forced through the wrong letters and
  loses several nats per wrong character.
* the *margin*: the best score minus that of the best alternative with a different meaning
  (other intent or slot values; spellings of the free text are not rivals, since it is read
  as heard); a near tie means the words could be either.
* the *agreement*: how close the free transcript is to the chosen sentence, as one minus
  their character error rate with spaces ignored; it gates the other two (multiplies their
  logistic by its own). A model that is unsure spreads probability
  thinly, so forced paths can score close to the free one even for unrelated words; the
  spelling it actually heard does not lie that way. A sentence ending in free text is also
  gated by :func:`carrier_agreement`, the agreement of its words before the free text alone.

A free-text slot is scored as read (see :func:`respell_free_text`), not as the search spelled
it: the search charges free text per letter and so cuts it short, which the fit and agreement
would count against a command that was heard right.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.commands.confusion import edit_distance, prefix_distance
from assistant.commands.expression import SlotKind
from assistant.commands.grammar import CommandSet
from assistant.commands.parser import SlotMatch, SlotValue, TextMatch, parse_text
from assistant.decoding.constrained import (
    BeamConfig,
    Hypothesis,
    constrained_decode,
    continuation_start,
    ctc_log_score,
    unconstrained_decode,
    with_bonus,
)
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import WordsConfig, read_as_words
from assistant.vocabulary import normalize_text

_LOGGER = logging.getLogger(__name__)

DEFAULT_THRESHOLD = 0.4
"""Results with a confidence below this are rejected (intent None). Chosen on
``benchmarks/commands_accuracy.py``: with the 16,000-step model, 0.4 accepts 5.6 points more
of the held-out voices' commands than 0.5 and 2.6 more of the real Speech Commands words, and
falsely accepts the same out-of-grammar sentences (0.5 % clean, 1.0 % noisy, none real)."""


@dataclass(frozen=True)
class ConfidenceConfig:
    """Logistic mapping of fit and margin (see the module docstring) to a confidence."""

    fit_scale: float = 40.0
    """Logit units per nat per frame of fit."""
    fit_offset: float = 0.1
    """Nats per frame of fit (a loss) at which the fit term is zero."""
    margin_scale: float = 1.5
    """Logit units per nat of margin."""
    margin_offset: float = 2.0
    """Nats of margin at which the margin term is zero."""
    margin_cap: float = 6.0
    """Nats: a larger margin counts as this (and no alternative at all counts as this)."""
    agreement_scale: float = 8.0
    """Logit units per unit of agreement (1 - character error rate, 0..1)."""
    agreement_offset: float = 0.45
    """Agreement at which the agreement gate is one half."""


@dataclass(frozen=True)
class Interpretation:
    """One candidate text with its meaning and score."""

    text: str
    """The words."""
    intent: str
    """The intent the words express."""
    slots: Mapping[str, SlotValue]
    """Slot name -> typed value."""
    log_score: float
    """Natural-log CTC score of the text (0.0 for typed text)."""
    spans: tuple[SlotMatch, ...] = ()
    """Where each slot lies in :attr:`text`."""


@dataclass(frozen=True)
class RecognitionResult:
    """What was understood from one utterance."""

    intent: str | None
    """Recognised intent; None when rejected (silence, out of grammar, low confidence)."""
    slots: Mapping[str, SlotValue]
    """Slot name -> value: int for numbers, int seconds for durations, str otherwise."""
    confidence: float
    """0..1: how sure the recogniser is of :attr:`intent` and :attr:`slots`."""
    text: str
    """The grammar sentence recognised, or what was heard when rejected."""
    alternatives: tuple[Interpretation, ...] = field(default=())
    """The n-best grammar sentences, best first (the accepted one included)."""
    spans: tuple[SlotMatch, ...] = field(default=())
    """Slot spans within :attr:`text`."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary: intent, slots, confidence, text."""
        return {
            "intent": self.intent,
            "slots": dict(self.slots),
            "confidence": round(self.confidence, 4),
            "text": self.text,
        }


def _interpretation(match: TextMatch, log_score: float) -> Interpretation:
    return Interpretation(match.text, match.intent, match.values, log_score, match.slots)


def match_text(text: str, commands: CommandSet) -> RecognitionResult:
    """Parse an already known text (typed input, tests): confidence 1 on a match, else 0."""
    found = parse_text(text, commands.grammar)
    if found is None:
        return RecognitionResult(None, {}, 0.0, normalize_text(text))
    interpretation = _interpretation(found, 0.0)
    return RecognitionResult(
        found.intent, found.values, 1.0, found.text, (interpretation,), found.slots
    )


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def agreement(heard: str, sentence: str) -> float:
    """1 - character error rate of ``heard`` against ``sentence``, spaces ignored, in 0..1."""
    target, got = sentence.replace(" ", ""), heard.replace(" ", "")
    if not target:
        return 0.0
    errors = edit_distance(got, target, len(target))
    return max(0.0, 1.0 - errors / len(target))


def _carrier(sentence: str, spans: Sequence[SlotMatch]) -> str | None:
    """The words of ``sentence`` before its free-text slot (always last); None without one."""
    starts = [span.start for span in spans if span.kind is SlotKind.TEXT]
    return sentence[: min(starts)].rstrip() if starts else None


def carrier_agreement(heard: str, sentence: str, spans: Sequence[SlotMatch]) -> float:
    """Agreement of the words before a free-text slot with the closest start of ``heard``, like
    :func:`agreement` but with two errors more than were heard; 1.0 when ``sentence`` has no
    free-text slot (then there is nothing to check).

    The words before the free text are the only evidence of the intent, and a few letters are
    weak evidence: "note" heard exactly agrees 0.5, with one error 0.25, so ordinary speech or
    babble that starts with something like "no" is not taken down as a note, while the long
    start of "set a timer for ten minutes called ..." keeps most of the usual allowance for
    misheard letters. (One error more let 2 of 60 babble clips through as notes or commands
    on the held-out voices benchmark; two keep every false acceptance there at or below 1.7 %.)"""
    carrier = (_carrier(sentence, spans) or "").replace(" ", "")
    if not carrier:
        return 1.0
    errors = prefix_distance(carrier, heard.replace(" ", ""))
    return max(0.0, 1.0 - (errors + 2) / len(carrier))


def fit_per_frame(best: float, free: float, frames: int) -> float:
    """How far a best score lies below the free best path's, per frame (natural log, on the
    search's ranking scale): near 0 when the grammar explains the speech, very negative when
    the speech is forced through the wrong letters."""
    return (best - free) / max(frames, 1)


def confidence(
    best: float,
    free: float,
    second: float | None,
    frames: int,
    config: ConfidenceConfig,
    agreement: float = 1.0,
) -> float:
    """Confidence of a best score against the free best path and the runner-up's score, and of
    the sentence against the free transcript (``agreement``, 0..1)."""
    fit = min(0.0, fit_per_frame(best, free, frames))
    margin = config.margin_cap if second is None else min(config.margin_cap, best - second)
    logit = config.fit_scale * (fit + config.fit_offset) + config.margin_scale * (
        margin - config.margin_offset
    )
    # a gate, not a summand: a transcript far from the sentence vetoes however well it scores
    gate = _sigmoid(config.agreement_scale * (agreement - config.agreement_offset))
    return _sigmoid(logit) * gate


def respell_free_text(
    log_probs: np.ndarray, best: Interpretation, commands: CommandSet
) -> tuple[Interpretation, int | None]:
    """``best`` with its free-text slot (always last) read from what follows the words before
    it, greedily (see :func:`assistant.decoding.constrained.continuation`), and the first frame
    of that free text; ``best`` itself and None when it has no free-text slot, or nothing
    better is heard there."""
    carrier = _carrier(best.text, best.spans)
    start = None if carrier is None else continuation_start(log_probs, carrier)
    if carrier is None or start is None:
        return best, None
    heard = greedy_decode(log_probs[start:]).strip()
    match = parse_text(f"{carrier} {heard}", commands.grammar) if heard else None
    if match is None or match.intent != best.intent:
        return best, None
    return _interpretation(match, ctc_log_score(log_probs, match.text)), start


def free_text_as_words(
    log_probs: np.ndarray,
    heard: Interpretation,
    start: int,
    commands: CommandSet,
    words: WordsConfig,
) -> Interpretation:
    """``heard`` (from :func:`respell_free_text`, its free text starting at frame ``start``)
    with the free text read as common words where the model finds that nearly as likely and
    the words are likelier English (see :mod:`assistant.decoding.words`); ``heard`` itself
    when that changes nothing."""
    carrier = _carrier(heard.text, heard.spans) or ""
    text = heard.text[len(carrier) :].strip()
    reading = read_as_words(log_probs[start:], text, words)
    match = parse_text(f"{carrier} {reading}", commands.grammar) if reading != text else None
    if match is None or match.intent != heard.intent:
        return heard
    return _interpretation(match, ctc_log_score(log_probs, match.text))


def _fixed_meaning(interpretation: Interpretation) -> tuple[str, dict[str, SlotValue]]:
    """Intent and slot values but free text: sentences that differ only in how the free text
    is spelled are not rivals (the free text is read as heard in any case)."""
    texts = {span.name for span in interpretation.spans if span.kind is SlotKind.TEXT}
    values = {k: v for k, v in interpretation.slots.items() if k not in texts}
    return interpretation.intent, values


def _interpret(hypotheses: list[Hypothesis], commands: CommandSet) -> list[Interpretation]:
    found = []
    for hypothesis in hypotheses:
        match = parse_text(hypothesis.text, commands.grammar)
        if match is None:  # the automaton and the parser disagree: a bug, not user input
            _LOGGER.warning("decoded %r but no template parses it", hypothesis.text)
            continue
        found.append(_interpretation(match, hypothesis.log_score))
    return found


def recognize(
    log_probs: np.ndarray,
    commands: CommandSet,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    beam: BeamConfig = BeamConfig(),
    scoring: ConfidenceConfig = ConfidenceConfig(),
    words: WordsConfig | None = WordsConfig(),
) -> RecognitionResult:
    """Intent and slots of (T, V) CTC log-probs under ``commands``; rejects below threshold.

    An accepted command's free text is read as common words where that fits (``words``; None
    keeps the spelling heard). Confidence is judged on the spelling heard either way."""
    free = unconstrained_decode(log_probs)
    if not free.text:
        return RecognitionResult(None, {}, 0.0, "")
    candidates = _interpret(constrained_decode(log_probs, commands.graph, beam), commands)
    if not candidates:
        return RecognitionResult(None, {}, 0.0, free.text)
    # free text as heard, not as the search (which charges it per letter) spelled it
    best, free_text_start = respell_free_text(log_probs, candidates[0], commands)
    # scores on the search's scale: log-probability plus its bonus per character
    bonus = beam.char_bonus
    meaning = _fixed_meaning(best)
    second = next(
        (
            with_bonus(c.log_score, c.text, bonus)
            for c in candidates[1:]
            if _fixed_meaning(c) != meaning
        ),
        None,
    )
    score = confidence(
        with_bonus(best.log_score, best.text, bonus),
        free.ranking_score(bonus),
        second,
        log_probs.shape[0],
        scoring,
        min(agreement(free.text, best.text), carrier_agreement(free.text, best.text, best.spans)),
    )
    _LOGGER.debug(
        "best %r %.2f, free %r %.2f, runner-up %s: confidence %.3f",
        best.text,
        best.log_score,
        free.text,
        free.log_score,
        second,
        score,
    )
    if score < threshold:
        return RecognitionResult(None, {}, score, free.text, tuple(candidates))
    if words is not None and free_text_start is not None:  # scored as heard, shown as words
        best = free_text_as_words(log_probs, best, free_text_start, commands, words)
    candidates = [best, *candidates[1:]]
    return RecognitionResult(
        best.intent, best.slots, score, best.text, tuple(candidates), best.spans
    )
