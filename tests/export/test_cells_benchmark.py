"""benchmarks/cells.py's table of trained cells: read from the runs' metrics, values as written."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _write_run(run: Path, rows: list[dict[str, object]]) -> Path:
    run.mkdir()
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return run


def test_trained_cells_show_their_last_dev_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    cells = importlib.import_module("cells")
    early = {"kind": "dev", "step": 100, "cer": {s: 0.9 for s in cells.REAL_SETS}}
    last = {"kind": "dev", "step": 800, "cer": {s: 0.5 for s in cells.REAL_SETS}}
    last["cer"]["an4_test"] = 0.2
    bi = _write_run(tmp_path / "bi", [early, {"kind": "train", "step": 850, "loss": 1.0}, last])
    uni = _write_run(
        tmp_path / "uni", [{**last, "step": 1200, "cer": {s: 0.6 for s in last["cer"]}}]
    )
    cells.print_trained([f"bi-lstm={bi}", f"uni-lstm={uni}"])
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split(" | ")[:4] == ["cell", "steps", "mean real", "an4_test"]
    mean = 100 * (0.2 + 0.5 * (len(cells.REAL_SETS) - 1)) / len(cells.REAL_SETS)
    assert lines[2].split(" | ")[:4] == ["bi-lstm", "800", f"{mean:.1f}", "20.0"]
    assert lines[3].split(" | ")[:4] == ["uni-lstm", "1200", "60.0", "60.0"]


def test_a_run_without_dev_rows_or_a_bad_pair_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    cells = importlib.import_module("cells")
    run = _write_run(tmp_path / "run", [{"kind": "train", "step": 50, "loss": 3.0}])
    with pytest.raises(SystemExit, match="no dev evaluation"):
        cells.print_trained([f"bi-lstm={run}"])
    with pytest.raises(SystemExit, match="give NAME=RUN"):
        cells.print_trained([str(run)])
    with pytest.raises(SystemExit, match="cannot read"):
        cells.print_trained([f"x={tmp_path / 'none'}"])
