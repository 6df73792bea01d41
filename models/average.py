"""Average a run's numbered checkpoints: the last few, or the best few on real speech.

``--by real-dev`` is early stopping after the fact: of the windows of ``count`` consecutive
numbered checkpoints, it keeps the one whose mean real-speech dev CER (from the run's
``metrics.jsonl``) is lowest, so a run that trained past its best on real voices still releases
its best. Synthetic dev sets (names starting with ``tts``) do not vote: the product lives on
real voices.

    python -m models.average runs/base --count 3 --by real-dev

Checkpoints of different runs (a new run and the release it started from) are averaged by
naming them: ``python -m models.average --checkpoints A.pt B.pt --output soup.pt``.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path
from typing import Any

from models.checkpoint import average_checkpoints, model_from_checkpoint, save_checkpoint
from models.errors import TrainingError

_LOGGER = logging.getLogger(__name__)

_NUMBERED = re.compile(r"step_(\d+)\.pt$")
BY_CHOICES = ("last", "real-dev")


class AverageError(TrainingError):
    """The run folder cannot give the asked-for average."""


def numbered_checkpoints(run: Path) -> dict[int, Path]:
    """The run's ``step_NNNNNN.pt`` files by step."""
    found = {}
    for path in run.glob("step_*.pt"):
        match = _NUMBERED.search(path.name)
        if match:
            found[int(match.group(1))] = path
    return dict(sorted(found.items()))


def real_dev_cer(metrics: Path) -> dict[int, float]:
    """Mean CER over the real-speech dev sets at each evaluated step (the latest record wins)."""
    scores: dict[int, float] = {}
    if not metrics.exists():
        return scores
    for line in metrics.read_text().splitlines():
        record = json.loads(line)
        if record.get("kind") != "dev":
            continue
        real = [cer for name, cer in record["cer"].items() if not name.startswith("tts")]
        if real:
            scores[int(record["step"])] = sum(real) / len(real)
    return scores


def choose(steps: list[int], scores: dict[int, float], count: int, by: str) -> list[int]:
    """The ``count`` consecutive steps to average (all of ``steps`` when there are fewer)."""
    if by not in BY_CHOICES:
        raise AverageError(f"--by must be one of {', '.join(BY_CHOICES)}, got {by!r}")
    if count < 1:
        raise AverageError(f"count must be at least 1, got {count}")
    if not steps:
        raise AverageError("no numbered checkpoints (step_*.pt) to average")
    if by == "last" or len(steps) <= count:
        return steps[-count:]
    windows = [steps[i : i + count] for i in range(len(steps) - count + 1)]
    scored = [w for w in windows if all(s in scores for s in w)]
    if not scored:
        _LOGGER.warning("no real-speech dev scores for these checkpoints; averaging the last")
        return steps[-count:]
    return min(scored, key=lambda w: (sum(scores[s] for s in w) / len(w), -w[-1]))


def average_run(run: Path, count: int, by: str = "last", output: Path | None = None) -> Path:
    """Write the average of the chosen checkpoints of ``run``; returns its path."""
    checkpoints = numbered_checkpoints(run)
    scores = real_dev_cer(run / "metrics.jsonl")
    chosen = choose(list(checkpoints), scores, count, by)
    paths = [checkpoints[s] for s in chosen]
    output = output or run / "averaged.pt"
    _write_average(
        paths,
        output,
        averaged_from=[p.name for p in paths],
        averaged_by=by,
        real_dev_cer={str(s): scores[s] for s in chosen if s in scores},
    )
    return output


def average_files(paths: list[Path], output: Path) -> Path:
    """Write the plain average of named checkpoints (of any runs, same architecture) to
    ``output``; it records their paths, and its step is the last one's."""
    _write_average(paths, output, averaged_from=[str(p) for p in paths], averaged_by="files")
    return output


def _write_average(paths: list[Path], output: Path, **record: Any) -> None:
    """The mean of ``paths`` as a checkpoint with the last one's config and step."""
    model, feature_config, state = model_from_checkpoint(paths[-1])
    model.load_state_dict(average_checkpoints(paths))
    extra = {"train_config": state["train_config"]} if "train_config" in state else {}
    save_checkpoint(output, model, feature_config, int(state["step"]), **record, **extra)
    _LOGGER.info("averaged %s into %s", record["averaged_from"], output)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, nargs="?", help="training output folder (has step_*.pt)")
    parser.add_argument(
        "--checkpoints",
        type=Path,
        nargs="+",
        help="average these checkpoint files instead of a run's (needs --output)",
    )
    parser.add_argument("--count", type=int, default=3, help="checkpoints to average")
    parser.add_argument(
        "--by", default="real-dev", choices=BY_CHOICES, help="which window of checkpoints"
    )
    parser.add_argument("--output", type=Path, help="where to write (default RUN/averaged.pt)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if (args.run is None) == (args.checkpoints is None):
        parser.error("give either a run folder or --checkpoints")
    if args.checkpoints is not None and args.output is None:
        parser.error("--checkpoints needs --output")
    try:
        if args.checkpoints is not None:
            path = average_files(args.checkpoints, args.output)
        else:
            path = average_run(args.run, args.count, args.by, args.output)
    except TrainingError as e:
        parser.error(str(e))
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
