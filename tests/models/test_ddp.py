"""Training runs unchanged under torchrun: two CPU processes with gloo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.checkpoint import load_checkpoint

pytestmark = pytest.mark.slow


def test_torchrun_two_processes(tiny_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "ddp"
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "models.train",
        "--out",
        str(out),
        "--preset",
        "tiny",
        "--tts-dir",
        str(tiny_corpus),
        "--real-corpora",
        "",
        "--steps",
        "4",
        "--eval-every",
        "2",
        "--eval-limit",
        "2",
        "--checkpoint-every",
        "2",
        "--warmup-steps",
        "1",
        "--max-batch-seconds",
        "4",
        "--sortagrad-steps",
        "0",
        "--average-last",
        "2",
        "--threads",
        "1",
        "--workers",
        "0",
    ]
    # the CPU path (gloo) on any machine: two ranks would need two GPUs otherwise
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=240, check=False, cwd=tmp_path, env=env
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (out / "averaged.pt").is_file()
    state = load_checkpoint(out / "averaged.pt")
    assert state["step"] == 4
    assert state["averaged_from"] == ["step_000002.pt", "step_000004.pt"]
    log = (out / "train.log").read_text()
    assert "2 process(es) on cpu" in log
