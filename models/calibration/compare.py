"""Paired comparison of two models on the calibration set's real commands: how many are right
and accepted at the default sensitivity, each model with its own fitted confidence?

    python -m models.calibration.compare assistant/models/bilstm_ctc.onnx runs/release/new.onnx

The real commands of the set (:data:`models.calibration.build.SLOTTED_PARTS`: real
speechocean762 and wuw_corpus_ii sentences made commands with one slot, and with two or three)
are the nearest stand-in for real people's spoken commands. Each model is measured on the
whole set (cached, as :mod:`models.calibration.fit` does), a confidence is fitted for it, and
its real commands are counted right and accepted at the normal threshold twice: fitted on the
whole set (what a release ships) and cross-validated over speaker halves (what a new voice
meets). A lower character error rate has not always meant more right commands kept: a model
whose near misses score higher keeps fewer at the same false acceptance.

With ``--require-no-loss`` it exits with status 1 when the second model keeps fewer real
commands than the first by either count (``scripts/release_model.sh`` uses it after the CER
comparison of :mod:`models.compare`).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.calibration.build import SLOTTED_PARTS, VERSION
from models.calibration.fit import (
    FALSE_ACCEPTANCE_TARGETS,
    Measured,
    calibrate,
    confidences,
    cross_validated,
    measure_set,
    threshold_for,
)
from models.errors import TrainingError

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class KeptCommands:
    """Which real commands one model gets right and accepts at the normal threshold."""

    best_right: np.ndarray
    """(N,) bool over the real commands: the best grammar sentence is right."""
    fitted: np.ndarray
    """(N,) bool: right and accepted, the confidence fitted on the whole set."""
    cross_validated: np.ndarray
    """(N,) bool: right and accepted, each speaker half scored by a fit on the other."""


@dataclass(frozen=True)
class CommandsDifference:
    """One count of two models (right and accepted real commands), the second's minus the
    first's and a 95 % paired bootstrap interval of that difference."""

    name: str
    first: int
    second: int
    low: float
    high: float

    @property
    def difference(self) -> int:
        """Second minus first: positive when the second keeps more."""
        return self.second - self.first


def real_commands(measured: Measured, parts: Sequence[str] = SLOTTED_PARTS) -> np.ndarray:
    """(N,) bool over the whole set: the commands of the real slot parts."""
    return measured.command & np.isin(measured.part, list(parts))


def _accepted(scores: np.ndarray, threshold: float) -> np.ndarray:
    return (scores >= threshold) & (scores > 0)


def kept_commands(measured: Measured, parts: Sequence[str] = SLOTTED_PARTS) -> KeptCommands:
    """Fit the confidence on ``measured`` and say which real commands it keeps at the normal
    targets, fitted and cross-validated."""
    normal = FALSE_ACCEPTANCE_TARGETS["normal"]
    chosen = real_commands(measured, parts)
    fitted_scores = confidences(calibrate(measured), measured)
    fitted = _accepted(fitted_scores, threshold_for(fitted_scores, measured, normal))
    cv_scores = cross_validated(measured)
    cv = _accepted(cv_scores, threshold_for(cv_scores, measured, normal))
    right = measured.right
    return KeptCommands(
        best_right=right[chosen],
        fitted=(fitted & right)[chosen],
        cross_validated=(cv & right)[chosen],
    )


def _paired_interval(
    first: np.ndarray, second: np.ndarray, resamples: int, rng: np.random.Generator
) -> tuple[float, float]:
    """95 % interval of ``second.sum() - first.sum()`` over paired draws of the commands."""
    if first.size == 0:
        return 0.0, 0.0
    draws = rng.integers(0, first.size, size=(resamples, first.size))
    change = second.astype(int) - first.astype(int)
    low, high = np.percentile(change[draws].sum(axis=1), [2.5, 97.5])
    return float(low), float(high)


def compare_kept(
    first: KeptCommands, second: KeptCommands, resamples: int = 2000, seed: int = 0
) -> list[CommandsDifference]:
    """Best sentence right, right and accepted (fitted) and right and accepted
    (cross-validated): one :class:`CommandsDifference` each, over the same commands."""
    if first.best_right.shape != second.best_right.shape:
        raise TrainingError(
            f"the two models were measured on different commands ({first.best_right.size} "
            f"and {second.best_right.size})"
        )
    rng = np.random.default_rng(seed)
    rows = []
    for name in ("best_right", "fitted", "cross_validated"):
        a, b = getattr(first, name), getattr(second, name)
        low, high = _paired_interval(a, b, resamples, rng)
        rows.append(CommandsDifference(name, int(a.sum()), int(b.sum()), low, high))
    return rows


def keeps_as_many(differences: Sequence[CommandsDifference]) -> bool:
    """Whether the second model keeps at least as many real commands right and accepted as
    the first, fitted and cross-validated alike."""
    counted = {d.name: d for d in differences}
    return all(counted[name].difference >= 0 for name in ("fitted", "cross_validated"))


LABELS = {
    "best_right": "best sentence right",
    "fitted": "right and accepted",
    "cross_validated": "right and accepted, cross-validated",
}


def format_kept(differences: Sequence[CommandsDifference], commands: int) -> str:
    """A table of the counts, their difference and its interval."""
    lines = [
        f"real commands of the calibration set v{VERSION} ({commands}), at the normal threshold",
        f"{'count':<38} {'first':>6} {'second':>7} {'diff':>6} {'95 % interval':>15}",
    ]
    for d in differences:
        lines.append(
            f"{LABELS[d.name]:<38} {d.first:>6} {d.second:>7} {d.difference:>+6} "
            f"{f'[{d.low:+.0f}, {d.high:+.0f}]':>15}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: print the paired comparison of two models' real commands."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="ONNX model (the one to beat)")
    parser.add_argument("second", type=Path, help="ONNX model (the candidate)")
    parser.add_argument(
        "--set", type=Path, default=Path(f"data/calibration/v{VERSION}"), help="calibration set"
    )
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    parser.add_argument(
        "--require-no-loss",
        action="store_true",
        help="exit with status 1 when the second keeps fewer real commands right and accepted",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    for path in (args.first, args.second):
        if not path.is_file():
            parser.exit(2, f"error: no model at {path}\n")
    try:
        first = kept_commands(measure_set(args.first, args.set, args.threads))
        second = kept_commands(measure_set(args.second, args.set, args.threads))
        differences = compare_kept(first, second)
    except TrainingError as e:
        parser.exit(2, f"error: {e}\n")
    print(format_kept(differences, first.best_right.size))
    if args.require_no_loss and not keeps_as_many(differences):
        _LOGGER.error(
            "%s keeps fewer real commands right and accepted than %s", args.second, args.first
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
