"""Fit the recogniser's confidence on the calibration set and write it beside the model.

    python -m models.calibration.fit --model assistant/models/bilstm_ctc.onnx

Every utterance of the set (``python -m models.calibration.build``) goes through the product's
own path (:func:`assistant.commands.intents.analyse`) under its grammar; its measurements and
whether the best sentence's meaning is right (as the app shows it: free text read as common
words) are cached per model. A logistic regression (numpy, L2; each part of the set weighed
alike, and the right commands of each length alike) is fitted on them; the thresholds of the
sensitivities are read off its trade-off curve against the set's false acceptance (utterances
that are no command of their grammar, counted apart when they are near misses: a command with
a slot value the grammar lacks). Prints each feature alone and all together, cross-validated
over two halves of the speakers, then the curve by part and by length, and writes
``MODEL.confidence.json`` and (``--report``) a Markdown report with a plot.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import logging
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant import commands, decoding
from assistant.audio.endpoint import has_speech
from assistant.audio.files import load_audio
from assistant.commands.confidence import (
    FEATURE_NAMES,
    SENSITIVITIES,
    Calibration,
    calibration_path,
    expand,
    term_count,
)
from assistant.commands.intents import analyse, shown_best
from assistant.recognizer import Recognizer, default_model_path
from models.calibration.build import (
    UNFITTED_PARTS,
    VERSION,
    is_near_miss,
    is_right,
    is_weighed,
    read_set,
)
from models.calibration.grammars import GRAMMARS_DIR as SET_GRAMMARS_DIR
from models.calibration.grammars import grammars_of
from models.data.command_texts import GRAMMARS_DIR as DOMAINS_DIR
from models.data.real_speech import speech_dir

_LOGGER = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Target:
    """The most a sensitivity may accept of the calibration set's non-commands."""

    other: float
    """Share of the sentences that are no near miss (other requests, conversation, other
    words)."""
    near_miss: float
    """Share of the near misses: commands of the grammar with one slot value it lacks."""


FALSE_ACCEPTANCE_TARGETS = {
    "strict": Target(other=0.005, near_miss=0.02),
    "normal": Target(other=0.02, near_miss=0.10),
    "loose": Target(other=0.05, near_miss=0.20),
}
"""Sensitivity -> what it may accept. A near miss ("add danger to the list" for "angry",
a value the list lacks) is bounded apart and looser: a real voice's right command and its near
miss differ in one word the model often barely hears, so bounding near misses at the other
sentences' 2 % rejects half of real people's right commands. Users say commands of their
grammar far more often than a value it lacks; ``strict`` holds near misses to 2 %."""
LENGTH_BUCKETS = ((0.0, 3.0, "< 3 s"), (3.0, 6.0, "3-6 s"), (6.0, 1e9, "> 6 s"))
RIGHT_RULE = "as-shown"
"""How a cached measurement judged "right": on the best sentence as the app shows it, its
free text read as common words (:func:`assistant.commands.intents.shown_best`). A cache
judged another way is measured again."""
L2 = 3e-3
"""Ridge penalty per term, relative to the total sample weight (chosen by the cross-validated
kept share at 2 % false acceptance: 1e-2, 3e-3 and 1e-3 give 62, 62 and 63 %)."""
BOUND_MARGIN = 0.5
"""How far beyond the right commands' extremes, in standard deviations of the feature, a
measurement may lie before the confidence is 0 (:attr:`Calibration.low`). The share of right
commands kept hardly depends on it (measured in ``docs/history.md``, stop 42)."""


@dataclasses.dataclass
class Measured:
    """The calibration set through one model: one entry per utterance."""

    features: np.ndarray
    """(N, F) float64; rows of NaN where nothing was heard or no sentence fits."""
    right: np.ndarray
    """(N,) bool: the best sentence has the expected intent and slots."""
    command: np.ndarray
    """(N,) bool: the utterance is a command of its grammar."""
    part: np.ndarray
    """(N,) str: kokoro, gsc10, wake5, so762, real-out."""
    seconds: np.ndarray
    """(N,) float: length of the audio."""
    speaker: np.ndarray
    """(N,) str: voice or speaker id."""
    near_miss: np.ndarray
    """(N,) bool: a non-command that is a command of its grammar with one slot value it
    lacks (:func:`models.calibration.build.is_near_miss`)."""


def audio_path(row: dict[str, str], folder: Path) -> Path:
    """Where a manifest row's audio lies (the set's folder, or ``speech:`` the shared one)."""
    path = row["path"]
    return speech_dir() / path[len("speech:") :] if path.startswith("speech:") else folder / path


def model_digest(model: Path) -> str:
    """First 16 hex digits of the sha256 of the model file."""
    return hashlib.sha256(model.read_bytes()).hexdigest()[:16]


def decoding_digest(folder: Path) -> str:
    """First 16 hex digits of a sha256 over what turns log-probs into measurements besides
    the model: the source and grammar files of :mod:`assistant.commands` and
    :mod:`assistant.decoding`, the everyday grammars and the set's own grammars."""
    roots = [Path(commands.__file__).parent, Path(decoding.__file__).parent]
    roots += [DOMAINS_DIR, folder / SET_GRAMMARS_DIR]
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".yaml", ".txt") and path.is_file():
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def measure_set(model: Path, folder: Path, threads: int = 1) -> Measured:
    """Run every utterance of the set at ``folder`` that the fit weighs
    (:func:`models.calibration.build.is_weighed`) through ``model``. Cached per model and row
    id: rows measured before with the same measurements, decoding and grammars
    (:func:`decoding_digest`) are not measured again."""
    rows = [row for row in read_set(folder) if is_weighed(row)]
    cache = folder / f"measured-{model_digest(model)}.npz"
    decoding_now = decoding_digest(folder)
    known: dict[str, tuple[np.ndarray, bool]] = {}
    if cache.is_file():
        data = np.load(cache, allow_pickle=False)
        if (
            "id" in data
            and tuple(data["feature_names"]) == FEATURE_NAMES
            and str(data.get("right_rule", "")) == RIGHT_RULE
            and str(data.get("decoding", "")) == decoding_now
        ):
            known = {
                str(i): (f, bool(r))
                for i, f, r in zip(data["id"], data["features"], data["right"], strict=True)
            }
    grammars = grammars_of(rows, folder)
    recognizer = Recognizer(model, intra_op_num_threads=threads)
    features = np.full((len(rows), len(FEATURE_NAMES)), np.nan)
    right = np.zeros(len(rows), dtype=bool)
    from tqdm import tqdm

    todo = [i for i, row in enumerate(rows) if row["id"] not in known]
    for i, row in enumerate(rows):
        if row["id"] in known:
            features[i], right[i] = known[row["id"]]
    for i in tqdm(todo, desc="measuring", unit="utt", disable=not todo):
        row = rows[i]
        audio = load_audio(audio_path(row, folder), recognizer.info.sample_rate)
        if not has_speech(audio):
            continue
        log_probs = recognizer.log_probs(audio)
        grammar = grammars[row["grammar"]]
        found = analyse(log_probs, grammar)
        if found.features is None:
            continue
        features[i] = found.features
        best = shown_best(log_probs, found, grammar)
        right[i] = is_right(best, row)
    measured = Measured(
        features=features,
        right=right,
        command=np.array([bool(r["intent"]) for r in rows]),
        part=np.array([r["part"] for r in rows]),
        seconds=np.array([float(r["duration"]) for r in rows]),
        speaker=np.array([r["voice"] for r in rows]),
        near_miss=np.array([is_near_miss(r) for r in rows]),
    )
    if todo:
        np.savez(
            cache,
            id=np.array([r["id"] for r in rows]),
            feature_names=np.array(FEATURE_NAMES),
            right_rule=np.array(RIGHT_RULE),
            decoding=np.array(decoding_now),
            features=features,
            right=right,
        )
    return measured


def part_weights(part: np.ndarray) -> np.ndarray:
    """Per-utterance weights under which every part of the set counts alike (mean 1)."""
    names, counts = np.unique(part, return_counts=True)
    per_part = dict(zip(names, len(part) / (len(names) * counts), strict=True))
    return np.array([per_part[p] for p in part])


def length_weights(seconds: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Per-utterance factors under which the right commands of each of :data:`LENGTH_BUCKETS`
    weigh alike (1 for every other utterance). Long right commands are fewer; weighed as
    they come, the fit learns that a long utterance is seldom a right command and acceptance
    falls with length."""
    factors = np.ones(len(seconds))
    buckets = [right & (seconds >= low) & (seconds < high) for low, high, _ in LENGTH_BUCKETS]
    present = [bucket for bucket in buckets if bucket.any()]
    for bucket in present:
        factors[bucket] = right.sum() / (len(present) * bucket.sum())
    return factors


def fit_logistic(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float = L2, steps: int = 50
) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression of ``y`` on standardised (N, F) ``x``, by
    Newton's method with a ridge penalty ``l2`` (times the total weight) on the weights. A
    step that would raise the penalised loss is halved until it does not: a plain Newton step
    from far away can overshoot and run off to infinity (an outlier's products of
    measurements, 15 standard deviations out, are enough)."""
    n, f = x.shape
    design = np.hstack([x, np.ones((n, 1))])
    theta = np.zeros(f + 1)
    penalty = np.full(f + 1, l2 * weights.sum())
    penalty[-1] = 0.0

    def loss(t: np.ndarray) -> float:
        z = design @ t
        # -log p(y) of each sample, stable for large |z|
        nll = np.logaddexp(0.0, z) - y * z
        return float(weights @ nll + 0.5 * penalty @ (t * t))

    current = loss(theta)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ theta, -30, 30)))
        gradient = design.T @ (weights * (p - y)) + penalty * theta
        hessian = (design * (weights * p * (1 - p))[:, None]).T @ design + np.diag(penalty)
        step = np.linalg.solve(hessian + 1e-9 * np.eye(f + 1), gradient)
        size = 1.0
        trial = loss(theta - step)
        while size > 1e-6 and trial > current + 1e-12 * abs(current):
            size /= 2
            trial = loss(theta - size * step)
        theta -= size * step
        current = trial
        if np.max(np.abs(size * step)) < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def right_command_bounds(right: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per feature, the least and greatest value among the right commands' (N, F) features
    ``right``, widened by :data:`BOUND_MARGIN` of the feature's standard deviation ``scale``."""
    return right.min(axis=0) - BOUND_MARGIN * scale, right.max(axis=0) + BOUND_MARGIN * scale


def fitted_rows(measured: Measured) -> np.ndarray:
    """(N,) bool: the utterances the fit and its thresholds use (all but the parts of
    :data:`models.calibration.build.UNFITTED_PARTS`)."""
    return ~np.isin(measured.part, list(UNFITTED_PARTS))


def calibrate(measured: Measured, columns: Sequence[int] | None = None) -> Calibration:
    """A calibration fitted on ``measured``'s :func:`fitted_rows` (only the terms of
    ``columns`` of the features weigh when given: the others get weight 0), thresholds at
    :data:`FALSE_ACCEPTANCE_TARGETS`."""
    measured = subset_of(measured, fitted_rows(measured))
    usable = ~np.isnan(measured.features).any(axis=1)
    x = measured.features[usable]
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    chosen = list(range(len(FEATURE_NAMES))) if columns is None else list(columns)
    # a column's terms: itself and its products with the other chosen columns
    mask = np.zeros(len(FEATURE_NAMES))
    mask[chosen] = 1.0
    used = expand(mask[None, :])[0] > 0
    terms = expand((x - mean) / scale)[:, used]
    w, bias = fit_logistic(
        terms,
        measured.right[usable].astype(float),
        part_weights(measured.part[usable])
        * length_weights(measured.seconds[usable], measured.right[usable]),
    )
    weights = np.zeros(term_count(len(FEATURE_NAMES)))
    weights[used] = w
    low, high = right_command_bounds(x[measured.right[usable]], scale)
    unchosen = np.ones(len(FEATURE_NAMES), dtype=bool)
    unchosen[chosen] = False
    low[unchosen], high[unchosen] = -np.inf, np.inf
    unthresholded = Calibration(
        tuple(weights),
        bias,
        tuple(mean),
        tuple(scale),
        dict.fromkeys(SENSITIVITIES, 0.5),
        low=tuple(low),
        high=tuple(high),
    )
    scores = confidences(unthresholded, measured)
    thresholds = {
        name: threshold_for(scores, measured, target)
        for name, target in FALSE_ACCEPTANCE_TARGETS.items()
    }
    return dataclasses.replace(unthresholded, thresholds=thresholds)


def confidences(calibration: Calibration, measured: Measured) -> np.ndarray:
    """Each utterance's confidence (0 where nothing was heard or nothing fits)."""
    scores = np.zeros(len(measured.right))
    for i, row in enumerate(measured.features):
        if not np.isnan(row).any():
            scores[i] = calibration.probability(row)
    return scores


def _lowest_threshold(scores: np.ndarray, share: float) -> float:
    """The lowest threshold that accepts at most ``share`` of ``scores``."""
    ranked = np.sort(scores)[::-1]
    allowed = int(np.floor(share * ranked.size))
    if allowed >= ranked.size:
        return 0.0
    # accept strictly above the (allowed+1)-th highest score
    return float(np.nextafter(ranked[allowed], 1.0))


def threshold_for(scores: np.ndarray, measured: Measured, target: Target) -> float:
    """The lowest threshold at which at most ``target`` of the non-commands of
    :func:`fitted_rows` are accepted: ``target.other`` of the other sentences and
    ``target.near_miss`` of the near misses."""
    negative = ~measured.command & fitted_rows(measured)
    return max(
        _lowest_threshold(scores[negative & ~measured.near_miss], target.other),
        _lowest_threshold(scores[negative & measured.near_miss], target.near_miss),
    )


@dataclasses.dataclass(frozen=True)
class Point:
    """Acceptance on (a subset of) the set at one threshold."""

    commands: int
    """Commands of the subset."""
    best_right: int
    """Commands whose best sentence is right."""
    right_accepted: int
    """Commands right and accepted."""
    wrong_accepted: int
    """Commands accepted with a wrong meaning."""
    others: int
    """Utterances that are no command."""
    others_accepted: int
    near_misses: int = 0
    """Near misses among the non-commands (counted in ``others`` too)."""
    near_misses_accepted: int = 0

    @property
    def kept(self) -> float:
        """Right and accepted over best-sentence-right (1 when none is right)."""
        return self.right_accepted / self.best_right if self.best_right else 1.0

    @property
    def false_acceptance(self) -> float:
        """Non-commands accepted over non-commands (0 when there are none)."""
        return self.others_accepted / self.others if self.others else 0.0

    @property
    def other_acceptance(self) -> float:
        """Non-commands that are no near miss, accepted over their number."""
        others = self.others - self.near_misses
        accepted = self.others_accepted - self.near_misses_accepted
        return accepted / others if others else 0.0

    @property
    def near_miss_acceptance(self) -> float:
        """Near misses accepted over near misses (0 when there are none)."""
        return self.near_misses_accepted / self.near_misses if self.near_misses else 0.0


def point(scores: np.ndarray, measured: Measured, threshold: float, subset: np.ndarray) -> Point:
    """Acceptance of the utterances in ``subset`` (bool mask) at ``threshold``."""
    accepted = (scores >= threshold) & (scores > 0) & subset
    command = measured.command & subset
    return Point(
        commands=int(command.sum()),
        best_right=int((measured.right & subset).sum()),
        right_accepted=int((accepted & measured.right).sum()),
        wrong_accepted=int((accepted & command & ~measured.right).sum()),
        others=int((~measured.command & subset).sum()),
        others_accepted=int((accepted & ~measured.command).sum()),
        near_misses=int((measured.near_miss & subset).sum()),
        near_misses_accepted=int((accepted & measured.near_miss).sum()),
    )


def trade_off_curve(
    scores: np.ndarray, measured: Measured, subset: np.ndarray, thresholds: np.ndarray
) -> list[tuple[float, float]]:
    """(false acceptance, right and accepted over best-right) at each threshold."""
    points = [point(scores, measured, t, subset) for t in thresholds]
    return [(p.false_acceptance, p.kept) for p in points]


def speaker_folds(measured: Measured) -> np.ndarray:
    """0 or 1 per utterance by a hash of its speaker (voices and people never in both)."""
    return np.array([zlib.crc32(s.encode()) % 2 for s in measured.speaker])


def cross_validated(measured: Measured, columns: Sequence[int] | None = None) -> np.ndarray:
    """Each utterance's confidence from a calibration fitted on the other half's speakers
    (``columns``: see :func:`calibrate`)."""
    folds = speaker_folds(measured)
    scores = np.zeros(len(folds))
    for fold in (0, 1):
        train = subset_of(measured, folds != fold)
        calibration = calibrate(train, columns)
        scores[folds == fold] = confidences(calibration, subset_of(measured, folds == fold))
    return scores


def subset_of(measured: Measured, mask: np.ndarray) -> Measured:
    """The utterances of ``measured`` where ``mask`` is True."""
    return Measured(**{k: getattr(measured, k)[mask] for k in Measured.__dataclass_fields__})


def kept_at(scores: np.ndarray, measured: Measured, target: Target) -> Point:
    """Acceptance of the set's :func:`fitted_rows` at the threshold of ``target``."""
    fitted = fitted_rows(measured)
    return point(scores, measured, threshold_for(scores, measured, target), fitted)


def report(calibration: Calibration, measured: Measured, cv_scores: np.ndarray, model: Path) -> str:
    """A Markdown report: the features alone and together, the curve by part and length."""
    lines = [
        f"# Confidence calibration of `{model.name}` (set v{VERSION})",
        "",
        "Made by `python -m models.calibration.fit --report` (see "
        "`models/calibration/build.py` for the set). *Kept*: right and accepted over the "
        "commands whose best grammar sentence is right; *false acc.*: utterances that are no "
        "command of their grammar, accepted (*near*: a near miss, a command with a slot "
        "value the grammar lacks; *other*: the rest). Commands with a carrier word changed "
        "are not weighed; *all* and the figures above the tables leave out the parts that are "
        "not fitted (real commands with two or three slots, kept apart to check that the fit "
        "carries to them). Cross-validated: each half of the speakers scored by a fit on the "
        "other half.",
        "",
        "## Each measurement alone, then together (cross-validated, at the normal targets)",
        "",
        "| features | kept % | false acc. other % | near % |",
        "|---|---|---|---|",
    ]
    normal = FALSE_ACCEPTANCE_TARGETS["normal"]
    for i, name in enumerate(FEATURE_NAMES):
        p = kept_at(cross_validated(measured, [i]), measured, normal)
        lines.append(
            f"| {name} | {100 * p.kept:.1f} | {100 * p.other_acceptance:.1f} "
            f"| {100 * p.near_miss_acceptance:.1f} |"
        )
    p = kept_at(cv_scores, measured, normal)
    lines += [
        f"| **all** | **{100 * p.kept:.1f}** | **{100 * p.other_acceptance:.1f}** "
        f"| **{100 * p.near_miss_acceptance:.1f}** |",
        "",
    ]
    scores = confidences(calibration, measured)
    for name in SENSITIVITIES:
        threshold = calibration.threshold(name)
        lines += [
            f"## Sensitivity `{name}`: threshold {threshold:.3f} (fitted on the whole set)",
            "",
            "| part | length | commands | best right | kept % | wrong acc. | others | "
            "false acc. other % | near misses | near % |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for part in [*sorted(set(measured.part)), "all"]:
            in_part = fitted_rows(measured) if part == "all" else measured.part == part
            for low, high, label in ((0.0, 1e9, "all"), *LENGTH_BUCKETS):
                subset = in_part & (measured.seconds >= low) & (measured.seconds < high)
                if not subset.any():
                    continue
                p = point(scores, measured, threshold, subset)
                shown = f"{part} (not fitted)" if part in UNFITTED_PARTS else part
                lines.append(
                    f"| {shown} | {label} | {p.commands} | {p.best_right} | {100 * p.kept:.1f} "
                    f"| {p.wrong_accepted} | {p.others - p.near_misses} "
                    f"| {100 * p.other_acceptance:.1f} | {p.near_misses} "
                    f"| {100 * p.near_miss_acceptance:.1f} |"
                )
        lines.append("")
    return "\n".join(lines)


def plot(calibration: Calibration, measured: Measured, path: Path) -> None:
    """The trade-off curve per part and per length, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scores = confidences(calibration, measured)
    grid = np.linspace(0.0, 1.0, 201)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    everything = fitted_rows(measured)
    groups = [(p, measured.part == p) for p in sorted(set(measured.part))]
    lengths = [
        (label, everything & (measured.seconds >= low) & (measured.seconds < high))
        for low, high, label in LENGTH_BUCKETS
    ]
    for ax, title, subsets in (
        (axes[0], "by part of the set", [*groups, ("all", everything)]),
        (axes[1], "by length", [*lengths, ("all", everything)]),
    ):
        for label, subset in subsets:
            if not (measured.command & subset).any():
                continue
            fa, kept = zip(*trade_off_curve(scores, measured, subset, grid), strict=True)
            ax.plot(100 * np.array(fa), 100 * np.array(kept), label=label)
        threshold = calibration.threshold("normal")
        normal = point(scores, measured, threshold, everything)
        ax.plot(100 * normal.false_acceptance, 100 * normal.kept, "ko", label="normal")
        ax.set(
            xlabel="false acceptance % (non-commands accepted)",
            ylabel="right and accepted, % of best-sentence-right",
            title=title,
            xlim=(0, 20),
            ylim=(0, 101),
        )
        ax.grid(True)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument(
        "--set", type=Path, default=Path(f"data/calibration/v{VERSION}"), help="calibration set"
    )
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime threads")
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="write a Markdown report here, and its plot beside it (.png)",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print the report, write no calibration"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    measured = measure_set(args.model, args.set, args.threads)
    calibration = calibrate(measured)
    cv_scores = cross_validated(measured)
    text = report(calibration, measured, cv_scores, args.model)
    print(text)
    cv_normal = kept_at(cv_scores, measured, FALSE_ACCEPTANCE_TARGETS["normal"])
    fitted = int(fitted_rows(measured).sum())
    description = (
        f"Fitted on calibration set v{VERSION} ({fitted} utterances: held-out "
        f"Kokoro voices and real speakers); cross-validated over speakers at the normal "
        f"threshold: {100 * cv_normal.kept:.1f} % of best-sentence-right commands accepted; "
        f"{100 * cv_normal.other_acceptance:.1f} % of other sentences and "
        f"{100 * cv_normal.near_miss_acceptance:.1f} % of near misses accepted."
    )
    calibration = dataclasses.replace(
        calibration, model_sha256=model_digest(args.model), description=description
    )
    if args.report is not None:
        args.report.write_text(text + "\n", encoding="utf-8")
        plot(calibration, measured, args.report.with_suffix(".png"))
    if not args.dry_run:
        target = calibration_path(args.model)
        target.write_text(calibration.to_json() + "\n", encoding="utf-8")
        print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
