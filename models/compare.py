"""Paired comparison of two checkpoints: is the difference in CER more than the noise of the sets?

Transcribes every measurement set with both checkpoints (greedy, as ``models.evaluate``) and,
per set and for the mean over the real-speech sets (the figure releases are judged by), prints
the CER of each, the difference (second minus first) and a 95 % paired bootstrap interval of
that difference: utterances are drawn with replacement, the same draw for both checkpoints.
An interval that holds 0 means the sets cannot tell the two apart.

    python -m models.compare runs/release_int8.pt runs/soup/averaged.pt

With ``--require-gain`` it exits with status 1 unless the second shows a gain (see
:func:`shows_gain`; ``scripts/release_model.sh`` uses it to refuse a release that gains nothing).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from assistant.features import FeatureConfig
from models.data.manifests import Utterance
from models.data.real_speech import CORPORA
from models.errors import TrainingError
from models.evaluate import CharErrors, char_errors, dev_sets, transcribe_batch
from models.model import AcousticModel

_LOGGER = logging.getLogger(__name__)

REAL_SETS = tuple(f"{corpus}_test" for corpus in CORPORA)
"""The real-speech measurement sets (as ``models.evaluate`` names them) whose mean CER decides a
release."""

MEAN = "mean of real sets"


@dataclass(frozen=True)
class Difference:
    """CER of two checkpoints on one set (or the mean), the second's minus the first's, and a
    95 % bootstrap interval of that difference."""

    name: str
    first: float
    second: float
    low: float
    high: float

    @property
    def difference(self) -> float:
        """Second minus first: negative when the second checkpoint is better."""
        return self.second - self.first

    @property
    def verdict(self) -> str:
        """Which is better beyond the noise of the set, or 'tie'."""
        if self.high < 0:
            return "second better"
        if self.low > 0:
            return "first better"
        return "tie"


def _resampled_differences(
    first: CharErrors, second: CharErrors, resamples: int, rng: np.random.Generator
) -> np.ndarray:
    """CER differences (second - first) over ``resamples`` paired draws of the utterances."""
    if first.lengths.shape != second.lengths.shape or (first.lengths != second.lengths).any():
        raise TrainingError("the two transcriptions are not of the same utterances")
    count = first.lengths.size
    if count == 0:
        return np.zeros(resamples)
    draws = rng.integers(0, count, size=(resamples, count))
    chars = np.maximum(1, first.lengths[draws].sum(axis=1))
    return (second.errors[draws].sum(axis=1) - first.errors[draws].sum(axis=1)) / chars


def compare_sets(
    first: Mapping[str, CharErrors],
    second: Mapping[str, CharErrors],
    resamples: int = 2000,
    seed: int = 0,
    mean_over: Sequence[str] = REAL_SETS,
) -> list[Difference]:
    """One :class:`Difference` per set, then one for the mean CER of the ``mean_over`` sets
    that both hold (each set drawn on its own, as the mean weighs the sets alike)."""
    if set(first) != set(second):
        raise TrainingError(f"different sets: {sorted(first)} and {sorted(second)}")
    rng = np.random.default_rng(seed)
    results: list[Difference] = []
    draws: dict[str, np.ndarray] = {}
    for name in first:
        draws[name] = _resampled_differences(first[name], second[name], resamples, rng)
        low, high = np.percentile(draws[name], [2.5, 97.5])
        results.append(Difference(name, first[name].cer, second[name].cer, float(low), float(high)))
    counted = [name for name in mean_over if name in first]
    if counted:
        mean_draws = np.mean([draws[name] for name in counted], axis=0)
        low, high = np.percentile(mean_draws, [2.5, 97.5])
        results.append(
            Difference(
                MEAN,
                float(np.mean([first[n].cer for n in counted])),
                float(np.mean([second[n].cer for n in counted])),
                float(low),
                float(high),
            )
        )
    return results


def shows_gain(differences: Sequence[Difference]) -> bool:
    """Whether the second checkpoint is better than the first: on the mean of the real sets
    beyond its interval, or set by set: better beyond the noise on at least one real set,
    worse beyond it on none (the held-out TTS voices included), and lower on the mean. False
    when no real set was measured.

    The second rule is there because the mean's interval is as wide as its noisiest sets
    (gsc_subsets and FSDD, about +-1 and +-0.7 points) allow: a model better beyond doubt on the
    2,500 accented speechocean762 sentences and level elsewhere would never pass the first."""
    mean = next((d for d in differences if d.name == MEAN), None)
    if mean is None:
        return False
    if mean.verdict == "second better":
        return True
    real = [d for d in differences if d.name in REAL_SETS]
    return (
        mean.difference < 0
        and any(d.verdict == "second better" for d in real)
        and not any(d.verdict == "first better" for d in differences if d.name != MEAN)
    )


def format_differences(differences: Sequence[Difference]) -> str:
    """A table: CER of each checkpoint, the difference and its interval, in percent."""
    lines = [
        f"{'set':<22} {'first %':>8} {'second %':>9} {'diff':>7} {'95 % interval':>17}  verdict"
    ]
    for d in differences:
        interval = f"[{100 * d.low:+.2f}, {100 * d.high:+.2f}]"
        lines.append(
            f"{d.name:<22} {100 * d.first:>8.2f} {100 * d.second:>9.2f} "
            f"{100 * d.difference:>+7.2f} {interval:>17}  {d.verdict}"
        )
    return "\n".join(lines)


def transcription_errors(
    model: AcousticModel,
    feature_config: FeatureConfig,
    sets: Mapping[str, Sequence[Utterance]],
    label: str = "model",
) -> dict[str, CharErrors]:
    """Greedy character errors of ``model`` on every set (``label`` names it in the log)."""
    found = {}
    for name, utterances in sets.items():
        hypotheses = transcribe_batch(model, utterances, feature_config)
        found[name] = char_errors([u.transcript for u in utterances], hypotheses)
        _LOGGER.info("%s: %s CER %.2f %%", label, name, 100 * found[name].cer)
    return found


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: print the paired comparison of two checkpoints."""
    from models.checkpoint import model_from_checkpoint

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("first", type=Path, help="checkpoint .pt file (the one to beat)")
    parser.add_argument("second", type=Path, help="checkpoint .pt file (the candidate)")
    parser.add_argument(
        "--tts-dir",
        type=Path,
        default=Path("data/tts"),
        help="synthesised corpus with a held-out 'test' split",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="utterances per set at most (the dev subsets)"
    )
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap draws")
    parser.add_argument("--seed", type=int, default=0, help="seed of the bootstrap draws")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument(
        "--require-gain",
        action="store_true",
        help="exit with status 1 unless the second shows a gain (on the real sets' mean, or "
        "on one real set and worse on none)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    try:  # both first, so that a wrong path fails before minutes of transcribing
        (first_model, first_features, _), (second_model, second_features, _) = (
            model_from_checkpoint(path) for path in (args.first, args.second)
        )
    except TrainingError as e:
        parser.exit(2, f"error: {e}\n")
    sets = dev_sets(args.tts_dir, args.limit)
    first = transcription_errors(first_model, first_features, sets, str(args.first))
    second = transcription_errors(second_model, second_features, sets, str(args.second))
    differences = compare_sets(first, second, args.resamples, args.seed)
    print(format_differences(differences))
    if args.require_gain and not shows_gain(differences):
        _LOGGER.error(
            "%s is not better than %s beyond the noise of the sets", args.second, args.first
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
