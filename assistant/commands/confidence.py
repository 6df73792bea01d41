"""Confidence of a recognised command: measurements of how well the grammar's best sentence
explains the audio, combined by a logistic regression fitted on a calibration set of voices
like users' (``python -m models.calibration.fit``; its weights lie beside the model as
``MODEL.confidence.json``).

Every measurement comes from the same (T, V) log-probs and is meant not to grow or shrink
with the length of what was said:

* ``fit_per_frame`` / ``fit_per_letter``: the best sentence's score minus the free best
  path's (natural log, search scale), per frame and per letter of the sentence;
* ``margin``: the score gap to the best sentence with another meaning (capped), and
  ``intent_margin`` to the best with another intent;
* ``meaning_share``: the log of the share of the n-best's probability that has the best
  sentence's meaning (other spellings of the same meaning count for it);
* ``agreement``: one minus the character error rate of the free transcript against the
  sentence (for a sentence ending in free text, the lower of that and the agreement of the
  words before the free text, see :mod:`assistant.commands.intents`);
* ``worst_word`` / ``second_word`` / ``worst_slot``: nats per letter lost by the worst word,
  the second worst and the worst slot value on the sentence's best alignment
  (:mod:`assistant.decoding.alignment`): a word the model did not hear, or a barely heard
  number, costs several nats a letter however long the rest of the sentence;
* ``certainty``: the mean log-probability of the best token per frame: how clearly the model
  hears this voice at all, against which the other measurements are read;
* ``letters_ratio``: log of the sentence's letters over the free transcript's;
* ``free_text_known``: the share of the free text's words (a timer's name, a message) that are
  common English words (1 without free text). Free text is read as heard, so it costs nothing
  on the alignment however badly it was heard; "chec the ofen" is half unknown words.

Sensitivities are points of the calibration set's trade-off curve: ``normal`` accepts the most
right commands while accepting no more than 2 % of the non-commands and 10 % of the near misses
(a command with a slot value the grammar lacks), ``strict`` 0.5 and 2 %, ``loose`` 5 and 20 %
(``models.calibration.fit.FALSE_ACCEPTANCE_TARGETS``).
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.commands.errors import CommandsError
from assistant.decoding.alignment import character_costs

_LOGGER = logging.getLogger(__name__)

FEATURE_NAMES = (
    "fit_per_frame",
    "fit_per_letter",
    "margin",
    "intent_margin",
    "meaning_share",
    "agreement",
    "worst_word",
    "second_word",
    "worst_slot",
    "letters_ratio",
    "certainty",
    "free_text_known",
)
"""The measurements, in the order of a calibration's weights."""
SENSITIVITIES = ("strict", "normal", "loose")
"""The app's settings, strictest first."""
DEFAULT_SENSITIVITY = "normal"
MARGIN_CAP = 6.0
"""Nats: a larger margin, or none at all (no rival), counts as this."""
UNALIGNED_COST = 10.0
"""Nats per letter charged where a sentence cannot be aligned (more letters than frames)."""
CALIBRATION_SUFFIX = ".confidence.json"


@dataclass(frozen=True)
class Evidence:
    """What the measurements are taken from, for one utterance."""

    best_score: float
    """The best sentence's score on the search's scale (log-probability plus letter bonus)."""
    free_score: float
    """The free best path's score on the same scale."""
    rival_score: float | None
    """The best score of a sentence with another meaning; None when there is none."""
    other_intent_score: float | None
    """The best score of a sentence with another intent; None when there is none."""
    same_meaning_scores: Sequence[float]
    """Scores of the n-best sentences with the best one's meaning (the best included)."""
    all_scores: Sequence[float]
    """Scores of all n-best sentences."""
    sentence: str
    """The best sentence as scored (free text as heard)."""
    heard: str
    """The free transcript."""
    agreement: float
    """0..1, see the module docstring."""
    slot_spans: Sequence[tuple[int, int]] = field(default=())
    """Character spans of the sentence's slot values."""
    free_text_known: float = 1.0
    """0..1: the share of the free text's words that are common words (1 without free text)."""


def _letters(text: str) -> int:
    return len(text) - text.count(" ")


def _word_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for word in text.split(" "):
        spans.append((start, start + len(word)))
        start += len(word) + 1
    return spans


def _costs_per_letter(
    costs: np.ndarray | None, text: str, spans: Sequence[tuple[int, int]]
) -> list[float]:
    """Nats per letter of each of ``spans``, highest first."""
    found = []
    for start, end in spans:
        letters = _letters(text[start:end])
        if letters:
            cost = UNALIGNED_COST * letters if costs is None else float(costs[start:end].sum())
            found.append(cost / letters)
    return sorted(found, reverse=True)


def _capped_gap(best: float, other: float | None) -> float:
    return MARGIN_CAP if other is None else min(MARGIN_CAP, best - other)


def measure(log_probs: np.ndarray, evidence: Evidence) -> np.ndarray:
    """The :data:`FEATURE_NAMES` measurements of one utterance, float64."""
    frames = max(log_probs.shape[0], 1)
    letters = max(_letters(evidence.sentence), 1)
    fit = min(0.0, evidence.best_score - evidence.free_score)
    share = float(
        np.logaddexp.reduce(np.asarray(evidence.same_meaning_scores, np.float64))
        - np.logaddexp.reduce(np.asarray(evidence.all_scores, np.float64))
    )
    costs = character_costs(log_probs, evidence.sentence)
    words = [*_costs_per_letter(costs, evidence.sentence, _word_spans(evidence.sentence)), 0.0]
    slots = [*_costs_per_letter(costs, evidence.sentence, evidence.slot_spans), 0.0]
    return np.array(
        [
            fit / frames,
            fit / letters,
            _capped_gap(evidence.best_score, evidence.rival_score),
            _capped_gap(evidence.best_score, evidence.other_intent_score),
            max(share, -MARGIN_CAP),
            evidence.agreement,
            words[0],
            words[1] if len(words) > 2 else 0.0,
            slots[0],
            math.log((letters + 1) / (_letters(evidence.heard) + 1)),
            float(log_probs.max(axis=1).mean()) if log_probs.size else 0.0,
            evidence.free_text_known,
        ],
        dtype=np.float64,
    )


def expand(z: np.ndarray) -> np.ndarray:
    """The terms a calibration weighs, from standardised features ``z`` (..., F): the features
    and every product of two (squares included), (..., F + F(F+1)/2). Products let the fit
    read one measurement in the light of another (a fit that is poor for a clear voice but
    usual for an unclear one)."""
    rows, cols = np.triu_indices(z.shape[-1])
    return np.concatenate([z, z[..., rows] * z[..., cols]], axis=-1)


def term_count(features: int) -> int:
    """How many terms :func:`expand` makes of ``features`` features."""
    return features + features * (features + 1) // 2


@dataclass(frozen=True)
class Calibration:
    """A logistic regression over the :func:`expand` terms of :data:`FEATURE_NAMES`, and its
    operating points."""

    weights: tuple[float, ...]
    """One per term of :func:`expand`, on standardised features."""
    bias: float
    mean: tuple[float, ...]
    """Feature means of the calibration set (subtracted before weighing)."""
    scale: tuple[float, ...]
    """Feature standard deviations of the calibration set (divided by before weighing)."""
    thresholds: Mapping[str, float]
    """Sensitivity -> the probability below which a command is rejected."""
    feature_names: tuple[str, ...] = FEATURE_NAMES
    model_sha256: str = ""
    """The first 16 hex digits of the sha256 of the model file it was fitted for."""
    description: str = ""
    """What it was fitted on and how well it does there (one paragraph)."""
    low: tuple[float, ...] = ()
    """Per feature, the least value a right command may have (empty: no bound): the least seen
    among the calibration set's right commands, a little widened. Beyond it the fit has seen no
    right command, and the products of two far-off measurements could read as sure."""
    high: tuple[float, ...] = ()
    """Per feature, the greatest value a right command may have (empty: no bound)."""

    def __post_init__(self) -> None:
        """Reject a calibration that does not fit this code's measurements."""
        n = len(self.feature_names)
        if tuple(self.feature_names) != FEATURE_NAMES:
            raise CommandsError(
                f"confidence calibration is for features {list(self.feature_names)}, "
                f"this version measures {list(FEATURE_NAMES)}: fit it again"
            )
        if not len(self.mean) == len(self.scale) == n or len(self.weights) != term_count(n):
            raise CommandsError(
                f"confidence calibration needs {n} means and scales and {term_count(n)} weights"
            )
        if len(self.low) not in (0, n) or len(self.high) != len(self.low):
            raise CommandsError(f"confidence calibration needs {n} lower and upper bounds or none")
        missing = set(SENSITIVITIES) - set(self.thresholds)
        if missing:
            raise CommandsError(f"confidence calibration lacks thresholds for {sorted(missing)}")

    def probability(self, features: np.ndarray) -> float:
        """The calibrated probability (0..1) that the command was heard right; 0 where a
        measurement lies beyond what any right command of the calibration set showed."""
        if self.low and (
            np.any(features < np.asarray(self.low)) or np.any(features > np.asarray(self.high))
        ):
            return 0.0
        z = (features - np.asarray(self.mean)) / np.asarray(self.scale)
        logit = float(np.dot(expand(z), np.asarray(self.weights)) + self.bias)
        return (
            1.0 / (1.0 + math.exp(-logit))
            if logit >= 0
            else math.exp(logit) / (1.0 + math.exp(logit))
        )

    def threshold(self, sensitivity: str = DEFAULT_SENSITIVITY) -> float:
        """The rejection threshold of ``sensitivity`` (one of :data:`SENSITIVITIES`)."""
        if sensitivity not in self.thresholds:
            raise CommandsError(
                f"unknown sensitivity {sensitivity!r}: choose one of {', '.join(SENSITIVITIES)}"
            )
        return float(self.thresholds[sensitivity])

    def to_json(self) -> str:
        """The calibration as a JSON document."""
        return json.dumps(
            {
                "feature_names": list(self.feature_names),
                "weights": list(self.weights),
                "bias": self.bias,
                "mean": list(self.mean),
                "scale": list(self.scale),
                "thresholds": dict(self.thresholds),
                "model_sha256": self.model_sha256,
                "description": self.description,
                "low": list(self.low),
                "high": list(self.high),
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str, source: str = "calibration") -> Calibration:
        """Read :meth:`to_json`'s document; CommandsError names ``source`` when it is bad."""
        try:
            data = json.loads(text)
            return cls(
                weights=tuple(float(w) for w in data["weights"]),
                bias=float(data["bias"]),
                mean=tuple(float(m) for m in data["mean"]),
                scale=tuple(float(s) for s in data["scale"]),
                thresholds={str(k): float(v) for k, v in data["thresholds"].items()},
                feature_names=tuple(data["feature_names"]),
                model_sha256=str(data.get("model_sha256", "")),
                description=str(data.get("description", "")),
                low=tuple(float(v) for v in data.get("low", ())),
                high=tuple(float(v) for v in data.get("high", ())),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise CommandsError(f"{source}: not a confidence calibration: {e}") from e


def calibration_path(model_path: Path) -> Path:
    """Where the calibration of the model at ``model_path`` lies: beside it."""
    return model_path.with_name(model_path.stem + CALIBRATION_SUFFIX)


BUNDLED_CALIBRATION = calibration_path(
    Path(__file__).resolve().parents[1] / "models" / "bilstm_ctc.onnx"
)


def load_calibration(model_path: Path | None = None) -> Calibration:
    """The calibration beside ``model_path``, else (with a warning) the bundled model's."""
    path = BUNDLED_CALIBRATION if model_path is None else calibration_path(model_path)
    if not path.is_file():
        _LOGGER.warning(
            "no confidence calibration at %s: using the bundled model's (%s), which may accept "
            "or reject too much for this model; fit one with python -m models.calibration.fit",
            path,
            BUNDLED_CALIBRATION,
        )
        path = BUNDLED_CALIBRATION
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CommandsError(f"cannot read confidence calibration {path}: {e}") from e
    return Calibration.from_json(text, str(path))
