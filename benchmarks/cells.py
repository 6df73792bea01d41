"""Size and latency of the recurrent cell choices: LSTM or GRU, bi- or unidirectional.

    .venv/bin/python benchmarks/cells.py [--preset base] [--threads 1] [--runs 30]

Builds each variant of a model preset (weights at random: size and speed do not depend on
their values), exports it to ONNX and to int8 as a release does, and prints its parameters,
int8 file size, the recurrent operator left in that file (onnxruntime has an int8 LSTM,
DynamicQuantizeLSTM, but no int8 GRU: a GRU's weights are stored as int8 and dequantised to
float for it, ``export.quantize``) and the int8 model's p50 per 1, 3
and 6 s of features on one thread (the "model" column of benchmarks/latency.py).
With ``--trained NAME=RUN ...`` it also prints each trained run's dev error: the CER of the
last dev row of ``RUN/metrics.jsonl`` per real set and their mean, and the steps it made
(``scripts/train_cells.sh`` trains the four for the same time and calls this).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
from pathlib import Path

import onnx
import onnxruntime as ort

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onnx_forward import LENGTHS_S, time_session  # benchmarks/ is on sys.path as a script

from assistant.features import FeatureConfig
from assistant.recognizer import session_options
from export.onnx_export import export_onnx
from export.quantize import quantize_int8
from models.compare import REAL_SETS
from models.curves import CurvesError, read_metrics
from models.model import build_model, count_parameters


def recurrent_ops(path: Path) -> str:
    """The recurrent node types of an ONNX file, e.g. 'DynamicQuantizeLSTM' once quantised."""
    graph = onnx.load(str(path)).graph
    return ",".join(sorted({n.op_type for n in graph.node if n.op_type.endswith(("LSTM", "GRU"))}))


VARIANTS = (("lstm", True), ("gru", True), ("lstm", False), ("gru", False))
"""(cell, bidirectional) pairs, the released choice first."""


def last_dev_row(run: Path) -> dict:
    """The last ``dev`` row of ``RUN/metrics.jsonl``; SystemExit when there is none."""
    path = run / "metrics.jsonl"
    try:
        rows = read_metrics([path])
    except CurvesError as e:
        raise SystemExit(f"cells: {e}") from e
    dev = [row for row in rows if row["kind"] == "dev"]
    if not dev:
        raise SystemExit(f"cells: {path} holds no dev evaluation")
    return dev[-1]


def print_trained(trained: list[str]) -> None:
    """One row per NAME=RUN: steps made, mean real dev CER and the CER of each real set."""
    runs = []
    for item in trained:
        name, sep, run = item.partition("=")
        if not sep or not name or not run:
            raise SystemExit(f"cells: --trained {item!r}: give NAME=RUN")
        runs.append((name, last_dev_row(Path(run))))
    sets = [s for s in REAL_SETS if all(s in row["cer"] for _, row in runs)]
    print("trained: dev CER % (the run's last dev row)")
    print(" | ".join(["cell", "steps", "mean real", *sets]))
    for name, row in runs:
        cers = [100 * row["cer"][s] for s in sets]
        mean = sum(cers) / len(cers) if cers else float("nan")
        print(" | ".join([name, str(row["step"]), f"{mean:.1f}", *(f"{c:.1f}" for c in cers)]))


def main() -> int:
    """Print one row per variant: parameters, int8 MB and p50 ms per length."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="base", help="models.model.PRESETS name")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per length")
    parser.add_argument(
        "--trained",
        nargs="*",
        default=[],
        metavar="NAME=RUN",
        help="trained runs whose last dev CER to print, e.g. bi-lstm=runs/cell-lstm-bi",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.trained:
        print_trained(args.trained)
        print()
    header = ["cell", "parameters", "int8 MB", "recurrent op in the int8 file"] + [
        f"{s} s p50 ms" for s in LENGTHS_S
    ]
    print(f"preset {args.preset}, {args.threads} thread(s), onnxruntime {ort.__version__}")
    print(" | ".join(header))
    with tempfile.TemporaryDirectory() as tmp:
        for rnn_type, bidirectional in VARIANTS:
            model = build_model(preset=args.preset, rnn_type=rnn_type, bidirectional=bidirectional)
            name = f"{'bi' if bidirectional else 'uni'}-{rnn_type}"
            fp32 = export_onnx(model, FeatureConfig(), Path(tmp) / f"{name}.onnx")
            int8 = quantize_int8(fp32, Path(tmp) / f"{name}.int8.onnx")
            options = session_options(args.threads)
            session = ort.InferenceSession(str(int8), options, providers=["CPUExecutionProvider"])
            p50s = [statistics.median(time_session(session, s, args.runs)) for s in LENGTHS_S]
            row = [
                name,
                f"{count_parameters(model) / 1e6:.2f} M",
                f"{int8.stat().st_size / 1e6:.1f}",
                recurrent_ops(int8),
            ]
            print(" | ".join(row + [f"{p:.1f}" for p in p50s]), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
