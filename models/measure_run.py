"""Dev metrics of a run that was trained without dev sets (on a lent GPU machine, say).

Evaluates every numbered checkpoint of RUN on the same dev subsets that training measures
(``--eval-limit`` utterances per set) and writes ``RUN/metrics.jsonl``, with the training losses
read back from ``RUN/train.log``, so that ``models.average --by real-dev`` and
``models.curves`` treat the run like any other. ``--step-offset`` puts a warm-started run's
steps (which count from 0) on the count of the whole training.

    python -m models.measure_run runs/gpu7 --step-offset 19500
"""

from __future__ import annotations

import argparse
import json
import logging
import re
from pathlib import Path

import torch

from models.average import numbered_checkpoints
from models.checkpoint import model_from_checkpoint
from models.data.real_speech import CORPORA
from models.errors import TrainingError
from models.evaluate import dev_record, dev_sets, evaluate_set, format_table

_LOGGER = logging.getLogger(__name__)

_LOSS_LINE = re.compile(r" step (\d+) loss ([\d.]+) ")


def train_records(log: Path, offset: int) -> list[dict[str, object]]:
    """The ``train`` metric records of a training log (one per logged window)."""
    if not log.is_file():
        return []
    records: list[dict[str, object]] = []
    for line in log.read_text().splitlines():
        match = _LOSS_LINE.search(line)
        if match:
            step, loss = int(match.group(1)) + offset, float(match.group(2))
            records.append({"kind": "train", "step": step, "loss": loss})
    return records


def measure_run(run: Path, tts_dir: Path | None, limit: int, offset: int = 0) -> Path:
    """Writes ``run/metrics.jsonl`` (replacing it); returns its path."""
    checkpoints = numbered_checkpoints(run)
    if not checkpoints:
        raise TrainingError(f"{run}: no numbered checkpoints (step_*.pt) to measure")
    sets = dev_sets(tts_dir, limit, CORPORA)
    records = train_records(run / "train.log", offset)
    for step, path in checkpoints.items():
        model, feature_config, _ = model_from_checkpoint(path)
        results = [evaluate_set(model, name, utts, feature_config) for name, utts in sets.items()]
        _LOGGER.info("dev at step %d (+%d):\n%s", step, offset, format_table(results))
        records.append(dev_record(step + offset, results))
    metrics = run / "metrics.jsonl"
    metrics.write_text("".join(json.dumps(r) + "\n" for r in records))
    return metrics


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="training output folder (has step_*.pt)")
    parser.add_argument("--tts-dir", default="data/tts", help="synthesised corpus ('' for none)")
    parser.add_argument("--eval-limit", type=int, default=150, help="utterances per dev set")
    parser.add_argument("--step-offset", type=int, default=0, help="added to the run's steps")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    torch.set_num_threads(args.threads)
    try:
        path = measure_run(
            args.run,
            Path(args.tts_dir) if args.tts_dir else None,
            args.eval_limit,
            args.step_offset,
        )
    except TrainingError as e:
        parser.exit(1, f"error: {e}\n")
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
