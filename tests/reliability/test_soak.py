"""A short soak: push-to-talk cycles through the engine leak neither threads nor memory.

The long version is ``benchmarks/soak.py --cycles 1000``; this runs its loop briefly with the
tiny contract model.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.recognizer import Recognizer

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
CYCLES = 30


def test_push_to_talk_cycles_leak_no_threads_and_little_memory(
    model_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    soak = importlib.import_module("soak")
    t = np.arange(32000) / 16000
    wav = tmp_path / "speech.wav"
    sf.write(str(wav), 0.3 * np.sin(2 * np.pi * 300 * t) * np.sin(2 * np.pi * 2 * t), 16000)
    recognizer = Recognizer(model_path, provider="cpu")
    soak.run_soak(recognizer, wav, 3, speed=25.0)  # warm-up: first allocations, caches
    report = soak.run_soak(recognizer, wav, CYCLES, speed=25.0, window=10)
    assert report.cycles == CYCLES
    assert sum(report.intents.values()) == CYCLES
    assert report.python_threads[1] == report.python_threads[0]
    assert report.os_threads[1] <= report.os_threads[0]
    assert report.rss_growth_mb < 8.0
