"""The ONNX acoustic model alone under onnxruntime, per execution provider: p50/p95 per length.

    python benchmarks/onnx_forward.py MODEL.onnx [--providers cuda,cpu] [--runs 50]

The "model" column of benchmarks/latency.py without the rest of the runtime (features,
decoding, cold starts), for a machine that has onnxruntime and numpy but not the app's other
dependencies (a lent GPU machine). Batch 1, random features of 1, 3 and 6 s, after warm-up
runs. A provider that onnxruntime lacks is reported and skipped; nodes a provider cannot run
fall back to the CPU, as in the app.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import onnxruntime as ort

PROVIDERS = {"cpu": "CPUExecutionProvider", "cuda": "CUDAExecutionProvider"}
FRAMES_PER_SECOND = 100
LENGTHS_S = (1, 3, 6)


def time_session(session: ort.InferenceSession, seconds: int, runs: int) -> list[float]:
    """Milliseconds of each of ``runs`` session runs over ``seconds`` of random features."""
    frames = seconds * FRAMES_PER_SECOND
    rng = np.random.default_rng(0)
    inputs = session.get_inputs()
    feed = {
        inputs[0].name: rng.standard_normal((1, frames, 80)).astype(np.float32),
        inputs[1].name: np.array([frames], dtype=np.int64),
    }
    timings = []
    for run in range(runs + 5):
        start = time.perf_counter()
        session.run(None, feed)
        if run >= 5:  # the first runs allocate and pick kernels
            timings.append(1000 * (time.perf_counter() - start))
    return timings


def main() -> int:
    """Print one line per provider and length: p50 and p95 in ms."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--providers", default="cuda,cpu", help="comma-separated: cuda, cpu")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (default 1)")
    args = parser.parse_args()
    available = ort.get_available_providers()
    print(f"onnxruntime {ort.__version__}, providers {available}; model {args.model.name}")
    for name in args.providers.split(","):
        provider = PROVIDERS[name.strip()]
        if provider not in available:
            print(f"{name}: skipped, onnxruntime lacks {provider}")
            continue
        options = ort.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.add_session_config_entry("session.disable_quant_qdq", "1")  # as the app's
        session = ort.InferenceSession(
            str(args.model), options, providers=list(dict.fromkeys([provider, PROVIDERS["cpu"]]))
        )
        print(f"{name}: session providers {session.get_providers()}")
        for seconds in LENGTHS_S:
            timings = sorted(time_session(session, seconds, args.runs))
            p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
            print(f"{name} {seconds} s: p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
