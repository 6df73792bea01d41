"""Time the acoustic model on onnxruntime: milliseconds per utterance, fp32 and int8.

    .venv/bin/python benchmarks/recognizer_speed.py [--threads 1] [--seconds 1 3 6]

Prints one line per model and utterance length: median and p95 of features + inference +
greedy decoding, and the real-time factor.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from assistant.recognizer import MODEL_DIR, Recognizer


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument(
        "--seconds",
        type=float,
        nargs="+",
        default=[1.0, 3.0, 6.0],
        help="utterance lengths to time, in seconds",
    )
    parser.add_argument("--runs", type=int, default=50, help="timed runs per length")
    parser.add_argument(
        "--models",
        type=Path,
        nargs="+",
        default=sorted(MODEL_DIR.glob("*.onnx")),
        help="ONNX files to time",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'model':<24} {'audio s':>7} {'p50 ms':>8} {'p95 ms':>8} {'RTF':>8}")
    for path in args.models:
        recognizer = Recognizer(path, intra_op_num_threads=args.threads)
        for seconds in args.seconds:
            audio = (0.1 * rng.standard_normal(int(16000 * seconds))).astype(np.float32)
            recognizer.transcribe(audio)  # warm-up
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                recognizer.transcribe(audio)
                times.append((time.perf_counter() - start) * 1000)
            p50, p95 = np.percentile(times, [50, 95])
            print(
                f"{path.name:<24} {seconds:>7.1f} {p50:>8.1f} {p95:>8.1f} "
                f"{p50 / 1000 / seconds:>8.4f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
