"""models.train without training: the learning-rate function and the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.errors import TrainingError
from models.train import (
    TrainConfig,
    build_parser,
    config_from_args,
    corpus_boosts,
    learning_rate,
)


def test_learning_rate_warms_up_then_decays() -> None:
    config = TrainConfig(steps=100, warmup_steps=10, lr=2e-3)
    assert learning_rate(0, config) == pytest.approx(0.1 * 2e-3)
    assert learning_rate(9, config) == pytest.approx(2e-3)
    assert learning_rate(10, config) == pytest.approx(2e-3)
    assert learning_rate(55, config) == pytest.approx((0.05 + 0.95 * 0.5) * 2e-3)
    assert learning_rate(100, config) == pytest.approx(0.05 * 2e-3)
    assert learning_rate(500, config) == pytest.approx(0.05 * 2e-3)


def test_learning_rate_follows_the_time_budget_when_it_runs_out_first() -> None:
    config = TrainConfig(steps=100, warmup_steps=10, time_limit=60.0, lr=1.0)
    assert learning_rate(20, config, time_fraction=0.5) == pytest.approx(0.05 + 0.95 * 0.5)
    assert learning_rate(20, config, time_fraction=1.0) == pytest.approx(0.05)
    assert learning_rate(20, config, time_fraction=3.0) == pytest.approx(0.05)
    # the steps decide when they are further along; warm-up is counted in steps alone
    assert learning_rate(55, config, time_fraction=0.01) == pytest.approx(0.05 + 0.95 * 0.5)
    assert learning_rate(4, config, time_fraction=0.9) == pytest.approx(0.5)


def parse(*argv: str) -> tuple[TrainConfig, str | None]:
    return config_from_args(build_parser().parse_args(list(argv)))


def test_every_config_field_is_a_flag_with_its_help() -> None:
    help_text = " ".join(build_parser().format_help().split())
    for name in TrainConfig.__dataclass_fields__:
        assert "--" + name.replace("_", "-") in help_text
    assert "--init INIT how the run starts: 'scratch' (new weights), 'resume'" in help_text
    assert "then cosine decay to 5 % of the peak" in help_text
    assert "(default 600)" in help_text


def test_flags_map_into_the_config() -> None:
    config, warning = parse("--out", "runs/x", "--init", "resume", "--lr", "1.5e-4")
    assert config == TrainConfig(out="runs/x", init="resume", lr=1.5e-4)
    assert warning is None
    assert parse()[0] == TrainConfig()
    assert parse("--overwrite")[0].overwrite is True
    assert parse("--augment", "false")[0].augment is False
    assert parse("--augment", "yes")[0].augment is True


def test_init_from_is_a_deprecated_alias_with_its_old_meaning(tmp_path: Path) -> None:
    config, warning = parse("--out", str(tmp_path), "--init-from", "model.onnx")
    assert config.init == "model.onnx"
    assert warning is not None and "use --init model.onnx" in warning
    # as before, it resumes the run in OUT when there is one
    (tmp_path / "last.pt").write_bytes(b"")
    config, warning = parse("--out", str(tmp_path), "--init-from", "model.onnx")
    assert config.init == "resume"
    assert warning is not None and "use --init resume" in warning
    with pytest.raises(TrainingError, match="give --init alone"):
        parse("--init", "resume", "--init-from", "model.onnx")


def test_corpus_boost_parses_corpus_factor_pairs() -> None:
    assert corpus_boosts("") == {}
    assert corpus_boosts("wuw_corpus_ii=2, fsdd=0.5") == {"wuw_corpus_ii": 2.0, "fsdd": 0.5}
    for bad in ("wuw_corpus_ii", "wuw_corpus_ii=two", "=2", "fsdd=0", "fsdd=-1"):
        with pytest.raises(TrainingError, match="give CORPUS=FACTOR"):
            corpus_boosts(bad)
