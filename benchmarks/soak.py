"""Soak test: many push-to-talk cycles through the engine; memory, threads and lost audio.

    .venv/bin/python benchmarks/soak.py [--cycles 1000] [--model PATH] [--speed 20]

Each cycle starts a WAV-backed source (played faster than real time), keeps the pre-roll,
"presses" the button, pumps the utterance through :class:`assistant.engine.Engine` (partial
transcripts included), "releases" it (recognition and intent) and stops the source, as the app
does around an unplugged microphone. Prints RSS of the first and last 100 cycles, the growth
between them, dropped audio blocks, and Python and OS thread counts before and after.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
from _common import (  # benchmarks/ is on sys.path when run as a script
    fit_length,
    models_or_tiny,
    native_threads,
    rss_bytes,
    speech_clips,
)

from assistant.audio.sources import WavFileSource
from assistant.commands.grammar import BUILTIN_DIR, CommandSet
from assistant.engine import Engine, EngineConfig
from assistant.recognizer import Recognizer

UTTERANCE_S = 1.5
"""Length of the spoken command in each cycle, in seconds."""
PREROLL_BLOCKS = 10
"""Blocks pumped before the button goes down (300 ms of pre-roll at 30 ms)."""


@dataclass(frozen=True)
class SoakReport:
    """What many push-to-talk cycles did to the process."""

    cycles: int
    """Cycles run."""
    seconds: float
    """Wall time of all cycles."""
    rss_first_mb: float
    """Mean resident set size over the first window of cycles, in MiB."""
    rss_last_mb: float
    """Mean resident set size over the last window of cycles, in MiB."""
    dropped_blocks: int
    """Audio blocks the sources dropped because the engine fell behind."""
    python_threads: tuple[int, int]
    """threading.active_count() before and after."""
    os_threads: tuple[int, int]
    """Threads of the process (/proc/self/task) before and after; -1 when unknown."""
    intents: dict[str, int]
    """How often each intent (or "rejected") was recognised."""

    @property
    def rss_growth_mb(self) -> float:
        """Last window's mean RSS less the first's, in MiB."""
        return self.rss_last_mb - self.rss_first_mb


def run_soak(
    model: object, wav: Path, cycles: int, *, speed: float = 20.0, window: int = 100
) -> SoakReport:
    """Run ``cycles`` push-to-talk cycles of ``wav`` through an engine over ``model``."""
    commands = CommandSet([BUILTIN_DIR])
    source = WavFileSource(wav, speed=speed, then="silence")
    engine = Engine(source, model, commands, config=EngineConfig())  # type: ignore[arg-type]
    blocks = int(UTTERANCE_S * 1000 / source.block_ms)
    rss: list[int] = []
    intents: dict[str, int] = {}
    threads_before = (threading.active_count(), native_threads())
    start = time.perf_counter()
    for _ in range(cycles):
        engine.start()
        for _ in range(PREROLL_BLOCKS):
            engine.pump(timeout=1.0)
        engine.begin_utterance()
        for _ in range(blocks):
            engine.pump(timeout=1.0)
        turn = engine.end_utterance()
        engine.stop()
        key = turn.result.intent or "rejected"
        intents[key] = intents.get(key, 0) + 1
        rss.append(rss_bytes())
    seconds = time.perf_counter() - start
    window = max(1, min(window, cycles // 2 or 1))
    mib = 1024 * 1024
    return SoakReport(
        cycles=cycles,
        seconds=seconds,
        rss_first_mb=float(np.mean(rss[:window])) / mib,
        rss_last_mb=float(np.mean(rss[-window:])) / mib,
        dropped_blocks=source.dropped_blocks,
        python_threads=(threads_before[0], threading.active_count()),
        os_threads=(threads_before[1], native_threads()),
        intents=intents,
    )


def main() -> int:
    """Run the soak test and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=1000, help="push-to-talk cycles to run")
    parser.add_argument(
        "--model",
        type=Path,
        default=None,
        help="ONNX model (default: the bundled fp32 one, else an untrained tiny)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=20.0,
        help="playback speed of the WAV source, times real time",
    )
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    args = parser.parse_args()
    models, tiny = models_or_tiny([args.model] if args.model else None)
    clips, origin = speech_clips(limit=4)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "utterance.wav"
        sf.write(str(wav), fit_length(clips, UTTERANCE_S + 0.5), 16000)
        recognizer = Recognizer(models[0], provider="cpu", intra_op_num_threads=args.threads)
        report = run_soak(recognizer, wav, args.cycles, speed=args.speed)
    label = " (untrained tiny model: figures say nothing about the release model)" if tiny else ""
    print(f"model: {models[0]}{label}; audio: {origin}")
    print(
        f"cycles: {report.cycles} in {report.seconds:.1f} s "
        f"({1000 * report.seconds / report.cycles:.1f} ms per cycle)"
    )
    print(
        f"RSS: first cycles {report.rss_first_mb:.1f} MiB, last cycles "
        f"{report.rss_last_mb:.1f} MiB, growth {report.rss_growth_mb:+.2f} MiB"
    )
    print(f"dropped audio blocks: {report.dropped_blocks}")
    print(
        f"Python threads before/after: {report.python_threads[0]}/{report.python_threads[1]}; "
        f"OS threads: {report.os_threads[0]}/{report.os_threads[1]}"
    )
    print("intents: " + ", ".join(f"{k} {v}" for k, v in sorted(report.intents.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
