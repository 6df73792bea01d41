"""From log-probabilities (or typed text) to an intent with typed slots and a confidence.

The search (:mod:`assistant.decoding.constrained`) finds the grammar's best sentences; the
confidence (:mod:`assistant.commands.confidence`) weighs how well the best one explains the
audio against the free transcript, its rivals and its worst-heard word, with a logistic
regression calibrated on voices like users'. Below the sensitivity's threshold the command is
rejected.

Two checks compare the sentence with the free transcript, as heard:

* the *agreement*: one minus their character error rate with spaces ignored. A model that is
  unsure spreads probability thinly, so forced paths can score close to the free one even for
  unrelated words; the spelling it actually heard does not lie that way.
* for a sentence ending in free text, :func:`carrier_agreement`, the agreement of its words
  before the free text alone.

A free-text slot is scored as read (see :func:`respell_free_text`), not as the search spelled
it: the search charges free text per letter and so cuts it short, which the fit and agreement
would count against a command that was heard right.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from assistant.commands.confidence import (
    DEFAULT_SENSITIVITY,
    Calibration,
    Evidence,
    load_calibration,
    measure,
)
from assistant.commands.confusion import edit_distance, prefix_distance
from assistant.commands.expression import SlotKind
from assistant.commands.grammar import CommandSet
from assistant.commands.matcher import SlotMatch, SlotValue, TextMatch, parse_text
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
from assistant.decoding.words import WordsConfig, common_words, read_as_words
from assistant.vocabulary import normalize_text

_LOGGER = logging.getLogger(__name__)


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
        if match is None:  # the automaton and the matcher disagree: a bug, not user input
            _LOGGER.warning("decoded %r but no template parses it", hypothesis.text)
            continue
        found.append(_interpretation(match, hypothesis.log_score))
    return found


@functools.lru_cache(maxsize=1)
def bundled_calibration() -> Calibration:
    """The bundled model's confidence calibration, read once."""
    return load_calibration()


@dataclass(frozen=True)
class Analysis:
    """The search's reading of one utterance, before the confidence decides."""

    heard: str
    """The free (greedy) transcript."""
    candidates: tuple[Interpretation, ...]
    """The n-best grammar sentences, best first; the best with its free text as heard."""
    features: np.ndarray | None
    """The confidence measurements of the best (see :mod:`assistant.commands.confidence`);
    None when nothing was heard or no sentence of the grammar fits."""
    free_text_start: int | None = None
    """First frame of the best sentence's free text; None without free text."""


def analyse(
    log_probs: np.ndarray,
    commands: CommandSet,
    beam: BeamConfig = BeamConfig(),
    *,
    free: Hypothesis | None = None,
) -> Analysis:
    """Search (T, V) CTC log-probs for the best sentences of ``commands`` and measure how well
    the best explains them; ``free`` is their :func:`unconstrained_decode`, when known."""
    if free is None:
        free = unconstrained_decode(log_probs)
    if not free.text:
        return Analysis("", (), None)
    candidates = _interpret(constrained_decode(log_probs, commands.graph, beam), commands)
    if not candidates:
        return Analysis(free.text, (), None)
    # free text as heard, not as the search (which charges it per letter) spelled it
    best, free_text_start = respell_free_text(log_probs, candidates[0], commands)
    candidates = [best, *candidates[1:]]
    features = measure(log_probs, evidence(free, best, candidates, beam))
    _LOGGER.debug("best %r, free %r: %s", best.text, free.text, np.round(features, 3))
    return Analysis(free.text, tuple(candidates), features, free_text_start)


def shown_best(
    log_probs: np.ndarray,
    found: Analysis,
    commands: CommandSet,
    words: WordsConfig | None = WordsConfig(),
) -> Interpretation:
    """``found``'s best sentence (it must have one) as the app shows it: its free text read as
    common words where that fits (``words``; None keeps the spelling heard)."""
    best = found.candidates[0]
    if words is None or found.free_text_start is None:
        return best
    return free_text_as_words(log_probs, best, found.free_text_start, commands, words)


def recognize(
    log_probs: np.ndarray,
    commands: CommandSet,
    threshold: float | None = None,
    *,
    beam: BeamConfig = BeamConfig(),
    calibration: Calibration | None = None,
    words: WordsConfig | None = WordsConfig(),
    free: Hypothesis | None = None,
) -> RecognitionResult:
    """Intent and slots of (T, V) CTC log-probs under ``commands``; rejects below threshold.

    ``calibration`` (default: the bundled model's) turns the evidence into a confidence;
    ``threshold`` None takes its ``normal`` sensitivity. An accepted command's free text is
    read as common words where that fits (``words``; None keeps the spelling heard).
    Confidence is judged on the spelling heard either way. ``free`` is the log-probs'
    :func:`unconstrained_decode`, when the caller has it already."""
    calibration = calibration or bundled_calibration()
    if threshold is None:
        threshold = calibration.threshold(DEFAULT_SENSITIVITY)
    found = analyse(log_probs, commands, beam, free=free)
    if found.features is None:
        return RecognitionResult(None, {}, 0.0, found.heard)
    score = calibration.probability(found.features)
    if score < threshold:
        return RecognitionResult(None, {}, score, found.heard, found.candidates)
    best = shown_best(log_probs, found, commands, words)  # scored as heard, shown as words
    return RecognitionResult(
        best.intent, best.slots, score, best.text, (best, *found.candidates[1:]), best.spans
    )


def free_text_known(interpretation: Interpretation) -> float:
    """The share of the words of ``interpretation``'s free-text slots that are common English
    words (:func:`assistant.decoding.words.common_words`); 1 without free text."""
    texts = [
        interpretation.text[span.start : span.end]
        for span in interpretation.spans
        if span.kind is SlotKind.TEXT
    ]
    words = " ".join(texts).split()
    if not words:
        return 1.0
    known = common_words()
    return sum(word in known for word in words) / len(words)


def evidence(
    free: Hypothesis, best: Interpretation, candidates: Sequence[Interpretation], beam: BeamConfig
) -> Evidence:
    """What the confidence weighs: ``best`` (the first of the n-best ``candidates``, its free
    text as heard) against the free transcript and the other candidates, on the search's
    scale (log-probability plus its bonus per letter)."""
    bonus = beam.char_bonus
    meaning = _fixed_meaning(best)
    best_score = with_bonus(best.log_score, best.text, bonus)
    scores = [best_score] + [with_bonus(c.log_score, c.text, bonus) for c in candidates[1:]]
    same = [best_score] + [
        s for c, s in zip(candidates[1:], scores[1:], strict=True) if _fixed_meaning(c) == meaning
    ]
    rivals = [
        s for c, s in zip(candidates[1:], scores[1:], strict=True) if _fixed_meaning(c) != meaning
    ]
    other_intents = [
        s for c, s in zip(candidates[1:], scores[1:], strict=True) if c.intent != best.intent
    ]
    return Evidence(
        best_score=best_score,
        free_score=free.ranking_score(bonus),
        rival_score=max(rivals) if rivals else None,
        other_intent_score=max(other_intents) if other_intents else None,
        same_meaning_scores=same,
        all_scores=scores,
        sentence=best.text,
        heard=free.text,
        agreement=min(
            agreement(free.text, best.text), carrier_agreement(free.text, best.text, best.spans)
        ),
        slot_spans=tuple((span.start, span.end) for span in best.spans),
        free_text_known=free_text_known(best),
    )
