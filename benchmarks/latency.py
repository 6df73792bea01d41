"""End-of-utterance-to-intent latency, memory and cold start of the runtime.

    .venv/bin/python benchmarks/latency.py [--quick] [--models A.onnx B.onnx]
        [--threads 1 2] [--providers cpu] [--json latency.json]

For 1, 3 and 6 s of real recorded speech (../shared/data/speech, else espeak-ng), on each
model (default: assistant/models/*.onnx, fp32 and int8), thread count and execution provider,
times what the engine does when the button comes up, through the same
:func:`assistant.pipeline.understand`: the acoustic stage (log-mel features and the model) and
decoding (greedy plus grammar-constrained, under the built-in commands). Prints p50/p95 of each
and the real-time factor (total / audio length). Then, each in a fresh process: peak RSS of a
process that imports only the runtime and recognises, wall time of ``python -m assistant
transcribe FILE`` and time from process start to the app window shown (Qt offscreen).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soundfile as sf
from _common import (  # benchmarks/ is on sys.path when run as a script
    fit_length,
    models_or_tiny,
    speech_clips,
)

from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.features import SAMPLE_RATE
from assistant.pipeline import understand
from assistant.recognizer import CUDA_PROVIDER, Recognizer

ROOT = Path(__file__).resolve().parents[1]
LENGTHS_S = (1.0, 3.0, 6.0)


@dataclass(frozen=True)
class Row:
    """Latency of one configuration and utterance length; times in milliseconds (p50, p95)."""

    model: str
    provider: str
    threads: int
    audio_s: float
    acoustic_ms: tuple[float, float]
    decode_ms: tuple[float, float]
    total_ms: tuple[float, float]
    rtf: float
    """Median total time over the audio length."""


def _percentiles(values: list[float]) -> tuple[float, float]:
    p50, p95 = np.percentile(values, [50, 95])
    return round(float(p50), 2), round(float(p95), 2)


def time_utterance(
    recognizer: Recognizer, commands: CommandSet, audio: np.ndarray, runs: int
) -> dict[str, tuple[float, float]]:
    """p50/p95 of each stage over ``runs`` recognitions of ``audio`` (after one warm-up)."""
    stages: dict[str, list[float]] = {"acoustic": [], "decode": [], "total": []}
    for run in range(runs + 1):
        understood = understand(audio, recognizer, commands)
        if run == 0:
            continue  # warm-up: first-run allocations and caches
        if not understood.speech:
            raise ValueError(f"{audio.size / SAMPLE_RATE:.1f} s of audio hold no speech")
        stages["acoustic"].append(understood.timings.acoustic_ms)
        stages["decode"].append(understood.timings.decode_ms)
        stages["total"].append(understood.timings.total_ms)
    return {name: _percentiles(values) for name, values in stages.items()}


def latency_rows(
    models: list[Path], threads: list[int], providers: list[str], runs: int, clips: list
) -> list[Row]:
    """Time every model x provider x thread count x utterance length."""
    commands = CommandSet([BUILTIN_DIR])
    rows = []
    for provider in providers:
        for path in models:
            for count in threads:
                recognizer = Recognizer(path, provider=provider, intra_op_num_threads=count)
                for seconds in LENGTHS_S:
                    stats = time_utterance(recognizer, commands, fit_length(clips, seconds), runs)
                    rows.append(
                        Row(
                            model=path.name,
                            provider=recognizer.provider.removesuffix("ExecutionProvider"),
                            threads=count,
                            audio_s=seconds,
                            acoustic_ms=stats["acoustic"],
                            decode_ms=stats["decode"],
                            total_ms=stats["total"],
                            rtf=round(stats["total"][0] / 1000 / seconds, 4),
                        )
                    )
    return rows


def format_rows(rows: list[Row]) -> str:
    """The latency table, one line per row; each time is p50/p95 in ms."""
    header = (
        f"{'model':<22} {'prov':<5} {'thr':>3} {'audio':>5} {'acoustic':>13} "
        f"{'decode':>13} {'total':>13} {'RTF':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in rows:
        stages = (r.acoustic_ms, r.decode_ms, r.total_ms)
        cells = [f"{a:.1f}/{b:.1f}" for a, b in stages]
        lines.append(
            f"{r.model:<22} {r.provider:<5} {r.threads:>3} {r.audio_s:>4.0f}s "
            + " ".join(f"{c:>13}" for c in cells)
            + f" {r.rtf:>7.4f}"
        )
    return "\n".join(lines)


RSS_CHILD = """
import resource, sys
from assistant.audio.files import load_audio
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.pipeline import understand
from assistant.recognizer import Recognizer
recognizer = Recognizer(sys.argv[1], provider="cpu")
commands = CommandSet([BUILTIN_DIR])
audio = load_audio(sys.argv[2])
for _ in range(int(sys.argv[3])):
    understand(audio, recognizer, commands)
heavy = sorted(m for m in ("torch", "onnx", "models", "export", "PySide6") if m in sys.modules)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, ",".join(heavy))
"""

APP_CHILD = """
import sys, time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import assistant.gui.app as app

class TimedWindow(app.MainWindow):
    def showEvent(self, event):
        super().showEvent(event)
        print(f"SHOWN {time.time()!r}", flush=True)
        QTimer.singleShot(0, QApplication.quit)

app.MainWindow = TimedWindow
from assistant.cli import main
sys.exit(main([]))
"""


def _child_env(home: Path) -> dict[str, str]:
    # Fresh config and data folders: the user's settings and notes are neither read nor written.
    env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_DATA_HOME=str(home / "data"))
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def peak_rss_mb(model: Path, wav: Path, runs: int, env: dict[str, str]) -> tuple[float, str]:
    """Peak RSS in MiB of a fresh runtime-only process recognising ``wav``, and heavy imports."""
    result = subprocess.run(
        [sys.executable, "-c", RSS_CHILD, str(model), str(wav), str(runs)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )
    kib, _, heavy = result.stdout.strip().partition(" ")
    return round(int(kib) / 1024, 1), heavy or "none"


def cli_cold_start_s(model: Path, wav: Path, repeats: int, env: dict[str, str]) -> float:
    """Median wall time of ``python -m assistant transcribe --model MODEL WAV``."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "assistant", "transcribe", "--model", str(model), str(wav)],
            capture_output=True,
            check=True,
            env=env,
            cwd=ROOT,
            timeout=300,
        )
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def app_cold_start_s(repeats: int, env: dict[str, str]) -> float | str:
    """Median time from process start to the app window shown, or why it could not run."""
    times = []
    for _ in range(repeats):
        start = time.time()
        result = subprocess.run(
            [sys.executable, "-c", APP_CHILD],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        shown = [line for line in result.stdout.splitlines() if line.startswith("SHOWN ")]
        if not shown:
            return f"skipped: the app did not show its window ({result.stderr.strip()[-200:]})"
        times.append(float(shown[0].split()[1]) - start)
    return round(statistics.median(times), 3)


def _cuda_starts(model: Path) -> bool:
    """Whether a session on ``model`` really runs on CUDA (and does not fall back to the CPU)."""
    return Recognizer(model, provider="cuda").provider == CUDA_PROVIDER


def main() -> int:
    """Run the benchmark, print the table and figures, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--models",
        type=Path,
        nargs="+",
        default=None,
        help="ONNX files to time (default: assistant/models/*.onnx, else an "
        "untrained tiny model exported for the purpose)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=[1, 2],
        help="onnxruntime intra-op thread counts to time (default: 1 2)",
    )
    parser.add_argument(
        "--providers",
        default="cpu,cuda",
        help="comma-separated execution providers to time; cuda is skipped "
        "with a message when onnxruntime lacks it (default: cpu,cuda)",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=30,
        help="timed recognitions per configuration and length (default: 30)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="few runs (3) and one cold start each: checks that it works",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write every figure to FILE as JSON",
    )
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    repeats = 1 if args.quick else 5
    models, tiny = models_or_tiny(args.models)
    clips, origin = speech_clips()
    available = ort.get_available_providers()
    if "cuda" in args.providers and hasattr(ort, "preload_dlls"):
        ort.preload_dlls()  # CUDA and cuDNN from pip's nvidia-* wheels, when installed so
    providers = []
    notes = [f"audio: {origin}"]
    if tiny:
        notes.append("model: UNTRAINED TINY (figures say nothing about the release model)")
    for name in (p.strip().lower() for p in args.providers.split(",") if p.strip()):
        if name == "cuda" and CUDA_PROVIDER not in available:
            notes.append(f"GPU: skipped, this onnxruntime offers only {', '.join(available)}")
        elif name == "cuda" and not _cuda_starts(models[0]):
            # onnxruntime-gpu without a driver or CUDA libraries falls back to the CPU: timing
            # that again as "cuda" would only repeat the CPU rows.
            notes.append("GPU: skipped, the CUDA provider failed to start (its error is above)")
        elif name in ("cpu", "cuda"):
            providers.append(name)
        else:
            parser.error(f"unknown provider {name!r}: expected cpu or cuda")
    rows = latency_rows(models, args.threads, providers, runs, clips)
    print("\n".join(notes))
    print("times are p50/p95 in ms, from the end of the utterance to the intent")
    print(format_rows(rows))

    figures: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "three_seconds.wav"
        sf.write(str(wav), fit_length(clips, 3.0), SAMPLE_RATE)
        env = _child_env(Path(tmp))
        for model in models:
            rss, heavy = peak_rss_mb(model, wav, runs, env)
            figures[f"peak_rss_mb[{model.name}]"] = rss
            figures[f"heavy_imports[{model.name}]"] = heavy
            print(
                f"peak RSS, runtime process, {model.name}: {rss:.1f} MiB "
                f"(torch/onnx/Qt imported: {heavy})"
            )
        figures["cli_cold_start_s"] = cli_cold_start_s(models[0], wav, repeats, env)
        print(
            f"CLI cold start (python -m assistant transcribe, 3 s file, {models[0].name}): "
            f"{figures['cli_cold_start_s']} s"
        )
        app_s = app_cold_start_s(repeats, env)
        figures["app_cold_start_s"] = app_s
        unit = " s" if isinstance(app_s, float) else ""
        print(f"app cold start (process start to window shown, offscreen): {app_s}{unit}")
    if args.json:
        record = {"notes": notes, "rows": [asdict(r) for r in rows], **figures}
        args.json.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
