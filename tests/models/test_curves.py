"""Training curves drawn from the metrics of one or several stages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from models.curves import CurvesError, main, read_metrics


def write_metrics(run: Path, rows: list[dict]) -> None:
    run.mkdir()
    (run / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def dev(step: int, cer: float) -> dict:
    return {"kind": "dev", "step": step, "cer": {"an4_test": cer}, "wer": {"an4_test": cer}}


def test_stages_are_joined_and_the_later_stage_wins(tmp_path: Path) -> None:
    write_metrics(
        tmp_path / "a",
        [{"kind": "train", "step": 50, "loss": 3.0}, dev(100, 0.9), dev(200, 0.8)],
    )
    write_metrics(tmp_path / "b", [dev(200, 0.7), {"kind": "train", "step": 250, "loss": 2.0}])
    rows = read_metrics([tmp_path / "a" / "metrics.jsonl", tmp_path / "b" / "metrics.jsonl"])
    assert [(r["kind"], r["step"]) for r in rows] == [
        ("train", 50),
        ("dev", 100),
        ("dev", 200),
        ("train", 250),
    ]
    assert rows[2]["cer"]["an4_test"] == 0.7
    out = tmp_path / "curves.png"
    assert main([str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_broken_row_names_its_file_and_line(tmp_path: Path) -> None:
    write_metrics(tmp_path / "a", [dev(100, 0.9)])
    with (tmp_path / "a" / "metrics.jsonl").open("a") as f:
        f.write('{"kind": "dev"}\n')
    with pytest.raises(CurvesError, match=r"metrics.jsonl:2: not a metrics row"):
        read_metrics([tmp_path / "a" / "metrics.jsonl"])
    with pytest.raises(CurvesError, match="cannot read metrics"):
        read_metrics([tmp_path / "missing.jsonl"])


def test_a_warm_started_stage_is_shifted_by_its_offset(tmp_path: Path) -> None:
    write_metrics(tmp_path / "a", [dev(100, 0.9), dev(200, 0.8)])
    write_metrics(tmp_path / "b", [dev(0, 0.75), dev(50, 0.6)])  # counts from 0 again
    rows = read_metrics(
        [tmp_path / "a" / "metrics.jsonl", tmp_path / "b" / "metrics.jsonl"], offsets=[0, 200]
    )
    assert [(r["step"], r["cer"]["an4_test"]) for r in rows] == [
        (100, 0.9),
        (200, 0.75),
        (250, 0.6),
    ]
    out = tmp_path / "curves.png"
    assert main([str(tmp_path / "a"), f"{tmp_path / 'b'}@200", "--out", str(out)]) == 0
    assert out.is_file()
    kept = tmp_path / "stage_b.jsonl"  # a stage's metrics kept apart from its run folder
    kept.write_bytes((tmp_path / "b" / "metrics.jsonl").read_bytes())
    out.unlink()
    assert main([str(tmp_path / "a"), f"{kept}@200", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(SystemExit):
        main([f"{tmp_path / 'b'}@two hundred", "--out", str(out)])
