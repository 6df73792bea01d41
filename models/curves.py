"""Training curves: CTC loss and dev CER per set against the step, from ``metrics.jsonl`` files.

Training redraws ``OUT/curves.png`` at every evaluation. A model trained in stages (each stage
a run folder resumed from the one before) is drawn whole by giving every stage's metrics in
order; where stages overlap, the later one's points win:

    python -m models.curves runs/base runs/base2 runs/base3 --out docs/training_curves.png

A stage that started from another run's weights (``--init PATH``) counts its steps from 0:
``RUN@OFFSET`` adds OFFSET to its steps (``runs/base8@21496``). A run may also be given as its
metrics file itself: the released stages' files are kept in ``docs/results/metrics/``, since run
folders are not committed and a fresh checkout has none.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from models.errors import TrainingError


class CurvesError(TrainingError):
    """A metrics file is missing or unreadable."""


def read_metrics(paths: Sequence[Path], offsets: Sequence[int] | None = None) -> list[dict]:
    """The rows of every metrics file in order, a later file's rows replacing earlier ones of
    the same kind and step; ``offsets`` (one per file) are added to the files' steps."""
    rows: dict[tuple[str, int], dict] = {}
    for index, path in enumerate(paths):
        offset = offsets[index] if offsets is not None else 0
        try:
            lines = path.read_text().splitlines()
        except OSError as e:
            raise CurvesError(f"cannot read metrics {path}: {e}") from e
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                row["step"] = int(row["step"]) + offset
                rows[(row["kind"], row["step"])] = row
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
                raise CurvesError(f"{path}:{number}: not a metrics row: {e}") from e
    return sorted(rows.values(), key=lambda r: (r["step"], r["kind"]))


def plot_curves(rows: Sequence[dict], out: Path) -> None:
    """Draw loss and per-set dev CER of ``rows`` (see :func:`read_metrics`) into ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in rows if r["kind"] == "train"]
    dev = [r for r in rows if r["kind"] == "dev"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.plot([r["step"] for r in train], [r["loss"] for r in train])
    ax1.set(xlabel="step", ylabel="CTC loss", title="training loss", yscale="log")
    for name in sorted({k for r in dev for k in r["cer"]}):
        points = [(r["step"], 100 * r["cer"][name]) for r in dev if name in r["cer"]]
        ax2.plot(*zip(*points, strict=True), marker="o", label=name)
    ax2.set(xlabel="step", ylabel="greedy CER %", title="dev CER per set", ylim=(0, 100))
    ax2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "runs",
        nargs="+",
        help="run folders or metrics .jsonl files, earliest first; RUN@OFFSET shifts its steps",
    )
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    args = parser.parse_args(argv)
    metrics_files, offsets = [], []
    for run in args.runs:
        folder, _, offset = run.partition("@")
        try:
            offsets.append(int(offset or 0))
        except ValueError:
            parser.error(f"{run}: the step offset after '@' must be a whole number")
        path = Path(folder)
        metrics_files.append(path if path.suffix == ".jsonl" else path / "metrics.jsonl")
    try:
        plot_curves(read_metrics(metrics_files, offsets), args.out)
    except CurvesError as e:
        parser.exit(1, f"error: {e}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
