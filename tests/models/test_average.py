"""Averaging a run's checkpoints: the last ones, or the best window on real speech."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from assistant.features import FeatureConfig
from models.average import AverageError, average_run, choose, main, real_dev_cer
from models.checkpoint import load_checkpoint, save_checkpoint
from models.model import build_model


def dev_record(step: int, real: float, tts: float = 0.9) -> str:
    cer = {"tts_held_out": tts, "an4_test": real, "fsdd_test": real / 2}
    return json.dumps({"kind": "dev", "step": step, "cer": cer, "wer": cer})


def filled_checkpoint(path: Path, value: float, step: int) -> Path:
    model = build_model(preset="tiny")
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.fill_(value)
    save_checkpoint(path, model, FeatureConfig(), step)
    return path


def test_real_dev_cer_ignores_synthetic_sets_and_train_records(tmp_path: Path) -> None:
    metrics = tmp_path / "metrics.jsonl"
    lines = [json.dumps({"kind": "train", "step": 50, "loss": 3.0}), dev_record(100, 0.4, 0.01)]
    metrics.write_text("\n".join(lines) + "\n")
    assert real_dev_cer(metrics) == {100: pytest.approx(0.3)}
    assert real_dev_cer(tmp_path / "missing.jsonl") == {}


def test_choose_picks_the_best_consecutive_window() -> None:
    steps = [500, 1000, 1500, 2000, 2500]
    scores = {500: 0.6, 1000: 0.4, 1500: 0.3, 2000: 0.35, 2500: 0.5}
    assert choose(steps, scores, 2, "real-dev") == [1500, 2000]
    assert choose(steps, scores, 3, "real-dev") == [1000, 1500, 2000]
    assert choose(steps, scores, 2, "last") == [2000, 2500]
    assert choose(steps, scores, 9, "real-dev") == steps  # fewer than asked: all of them
    assert choose(steps, {}, 2, "real-dev") == [2000, 2500]  # nothing scored: the last
    tied = {s: 0.5 for s in steps}
    assert choose(steps, tied, 2, "real-dev") == [2000, 2500]  # ties go to the later window


@pytest.mark.parametrize(
    ("steps", "count", "by", "message"),
    [
        ([], 2, "last", "no numbered checkpoints"),
        ([1], 0, "last", "at least 1"),
        ([1], 1, "x", "--by"),
    ],
)
def test_choose_rejects_what_it_cannot_do(
    steps: list[int], count: int, by: str, message: str
) -> None:
    with pytest.raises(AverageError, match=message):
        choose(steps, {}, count, by)


def test_average_run_writes_the_mean_of_the_best_window(tmp_path: Path) -> None:
    for step, value in ((100, 1.0), (200, 2.0), (300, 4.0)):
        filled_checkpoint(tmp_path / f"step_{step:06d}.pt", value, step)
    (tmp_path / "metrics.jsonl").write_text(
        "\n".join([dev_record(100, 0.5), dev_record(200, 0.2), dev_record(300, 0.3)]) + "\n"
    )
    path = average_run(tmp_path, 2, "real-dev")
    state = load_checkpoint(path)
    assert path == tmp_path / "averaged.pt"
    assert state["averaged_from"] == ["step_000200.pt", "step_000300.pt"]
    assert state["averaged_by"] == "real-dev"
    assert state["step"] == 300
    first = next(iter(state["model"].values()))
    assert torch.allclose(first, torch.full_like(first, 3.0))


def test_cli_says_what_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path)])
    assert exit_info.value.code == 2
    assert "no numbered checkpoints" in capsys.readouterr().err


def test_named_checkpoints_of_two_runs_average_and_say_where_they_came_from(
    tmp_path: Path,
) -> None:
    release = filled_checkpoint(tmp_path / "release.pt", 1.0, 66371)
    run = filled_checkpoint(tmp_path / "run" / "averaged.pt", 4.0, 4100)
    output = tmp_path / "soup" / "averaged.pt"
    args = ["--checkpoints", str(release), str(run), "--output", str(output)]
    assert main(args) == 0
    state = load_checkpoint(output)
    assert state["averaged_from"] == [str(release), str(run)]
    assert state["averaged_by"] == "files"
    assert state["step"] == 4100
    for value in state["model"].values():
        assert torch.allclose(value, torch.full_like(value, 2.5))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "either a run folder or --checkpoints"),
        (["runs/x", "--checkpoints", "a.pt"], "either a run folder or --checkpoints"),
        (["--checkpoints", "a.pt"], "--checkpoints needs --output"),
        (["--checkpoints", "missing.pt", "--output", "x.pt"], "cannot read checkpoint"),
    ],
)
def test_cli_rejects_a_muddled_request(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
