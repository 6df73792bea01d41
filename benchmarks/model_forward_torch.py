"""The acoustic model's forward pass in PyTorch, on the CPU or a CUDA GPU: p50/p95 per length.

    python benchmarks/model_forward_torch.py CHECKPOINT [--device cuda] [--runs 50]

What a GPU does for one push-to-talk command when onnxruntime's CUDA provider is not at hand
(a lent machine that cannot receive the 250 MB onnxruntime-gpu wheel): one utterance of 1, 3
and 6 s of features (batch 1, as the app recognises), after warm-up runs, with the device
synchronised before each clock read. The runtime itself never uses PyTorch; benchmarks/
latency.py times the shipped path.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.checkpoint import model_from_checkpoint

FRAMES_PER_SECOND = 100
LENGTHS_S = (1, 3, 6)


def time_forward(
    model: torch.nn.Module, seconds: int, device: torch.device, runs: int
) -> list[float]:
    """Milliseconds of each of ``runs`` forward passes over ``seconds`` of random features."""
    frames = seconds * FRAMES_PER_SECOND
    features = torch.randn(1, frames, 80, device=device)
    lengths = torch.tensor([frames], device=device)
    timings = []
    with torch.inference_mode():
        for run in range(runs + 5):
            if device.type == "cuda":
                torch.cuda.synchronize()
            start = time.perf_counter()
            model(features, lengths)
            if device.type == "cuda":
                torch.cuda.synchronize()
            if run >= 5:  # the first runs pick kernels and fill caches
                timings.append(1000 * (time.perf_counter() - start))
    return timings


def main() -> int:
    """Print one line per length: p50 and p95 in ms."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    model, _, _ = model_from_checkpoint(args.checkpoint)
    model.to(device)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    print(f"PyTorch {torch.__version__} forward pass on {name}, batch 1, {args.runs} runs")
    for seconds in LENGTHS_S:
        timings = sorted(time_forward(model, seconds, device, args.runs))
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        print(f"{seconds} s: p50 {statistics.median(timings):.2f} ms, p95 {p95:.2f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
