"""The release gate on the calibration set's real commands: counts, intervals and the verdict."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.commands.confidence import FEATURE_NAMES
from models.calibration.compare import (
    KeptCommands,
    compare_kept,
    format_kept,
    keeps_as_many,
    kept_commands,
    main,
    real_commands,
)
from models.calibration.fit import Measured
from models.errors import TrainingError


def _measured(separation: float, seed: int = 0, n: int = 600) -> Measured:
    """Commands (mostly right) and non-commands in three parts; the first feature tells right
    commands from the rest by ``separation`` standard deviations."""
    rng = np.random.default_rng(seed)
    command = np.arange(n) % 2 == 0
    right = command & (rng.random(n) < 0.8)
    features = rng.normal(size=(n, len(FEATURE_NAMES)))
    features[:, 0] += np.where(right, separation / 2, -separation / 2)
    return Measured(
        features=features,
        right=right,
        command=command,
        part=np.array(["so762-slot", "wuw-slot", "kokoro"])[(np.arange(n) // 2) % 3],
        seconds=rng.uniform(1, 10, n),
        speaker=np.array([f"s{i % 30}" for i in range(n)]),
        near_miss=np.zeros(n, dtype=bool),
    )


def test_only_the_commands_of_the_real_slot_parts_count() -> None:
    measured = _measured(3.0)
    chosen = real_commands(measured)
    assert chosen.sum() == 200  # commands are every other row, two of the three parts
    assert set(measured.part[chosen]) == {"so762-slot", "wuw-slot"}
    kept = kept_commands(measured)
    assert kept.best_right.size == 200
    assert kept.best_right.sum() == measured.right[chosen].sum()
    assert not (kept.fitted & ~kept.best_right).any()  # kept means right too
    assert not (kept.cross_validated & ~kept.best_right).any()


def test_a_model_that_tells_right_commands_apart_better_keeps_more() -> None:
    blurred = kept_commands(_measured(1.0))
    sharp = kept_commands(_measured(4.0))
    differences = compare_kept(blurred, sharp)
    counted = {d.name: d for d in differences}
    assert counted["best_right"].difference == 0  # same rows, same right answers
    assert counted["fitted"].difference > 20
    assert counted["cross_validated"].difference > 20
    assert counted["fitted"].low > 0  # beyond the noise of the paired draws
    assert keeps_as_many(differences)
    assert not keeps_as_many(compare_kept(sharp, blurred))


def test_the_same_model_ties_with_no_spread() -> None:
    kept = kept_commands(_measured(2.0))
    differences = compare_kept(kept, kept)
    assert [(d.difference, d.low, d.high) for d in differences] == [(0, 0.0, 0.0)] * 3
    assert keeps_as_many(differences)
    table = format_kept(differences, kept.best_right.size)
    assert "right and accepted, cross-validated" in table and "(200)" in table


def test_one_command_fewer_fails_the_gate() -> None:
    right = np.ones(10, dtype=bool)
    first = KeptCommands(right, right.copy(), right.copy())
    fewer = right.copy()
    fewer[3] = False
    assert not keeps_as_many(compare_kept(first, KeptCommands(right, fewer, right.copy())))
    assert not keeps_as_many(compare_kept(first, KeptCommands(right, right.copy(), fewer)))


def test_different_commands_cannot_be_compared() -> None:
    a = KeptCommands(*(np.ones(5, dtype=bool),) * 3)
    b = KeptCommands(*(np.ones(6, dtype=bool),) * 3)
    with pytest.raises(TrainingError, match="different commands"):
        compare_kept(a, b)


def test_a_missing_model_or_set_is_a_clear_error(
    tmp_path: Path, model_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path / "none.onnx"), str(model_path)])
    assert exit_info.value.code == 2
    assert "no model at" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main([str(model_path), str(model_path), "--set", str(tmp_path / "nothing")])
    assert exit_info.value.code == 2
    assert "no calibration set at" in capsys.readouterr().err
