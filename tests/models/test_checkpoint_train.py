"""A few training steps on a tiny tone corpus: artifacts, self-describing checkpoints, resume,
checkpoint averaging."""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from assistant.features import FeatureConfig
from assistant.vocabulary import TOKENS
from export.onnx_export import export_onnx
from models.average import average_run
from models.checkpoint import (
    average_checkpoints,
    compact_checkpoint,
    load_checkpoint,
    model_from_checkpoint,
    save_checkpoint,
)
from models.compare import main as compare_main
from models.errors import TrainingError
from models.measure_run import measure_run
from models.model import ModelConfig, build_model
from models.train import TrainConfig, learning_rate, train

pytestmark = pytest.mark.slow


def tiny_config(out: Path, corpus: Path, steps: int) -> TrainConfig:
    return TrainConfig(
        out=str(out),
        preset="tiny",
        tts_dir=str(corpus),
        real_corpora="",
        steps=steps,
        eval_every=3,
        eval_limit=2,
        checkpoint_every=3,
        warmup_steps=2,
        max_batch_seconds=6.0,
        workers=0,
        threads=1,
        sortagrad_steps=0,
        average_last=2,
    )


def read_metrics(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module")
def trained(tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Output folder of a 6-step run on the tiny corpus."""
    out = tmp_path_factory.mktemp("run")
    averaged = train(tiny_config(out, tiny_corpus, steps=6))
    assert averaged == out / "averaged.pt"
    return out


def test_training_writes_its_artifacts(trained: Path) -> None:
    for name in ("last.pt", "step_000003.pt", "step_000006.pt", "averaged.pt", "curves.png"):
        assert (trained / name).is_file(), name
    assert (trained / "curves.png").stat().st_size > 1000
    rows = read_metrics(trained / "metrics.jsonl")
    train_rows = [r for r in rows if r["kind"] == "train"]
    dev_rows = [r for r in rows if r["kind"] == "dev"]
    assert [r["step"] for r in train_rows] == [6]
    assert train_rows[0]["loss"] > 0
    assert [r["step"] for r in dev_rows] == [3, 6]
    for row in dev_rows:
        assert set(row["cer"]) == set(row["wer"]) == {"tts_held_out"}
        assert row["cer"]["tts_held_out"] >= 0.0  # insertions can take it past 1
        assert row["wer"]["tts_held_out"] >= 0.0


def test_checkpoints_describe_themselves(trained: Path) -> None:
    last = load_checkpoint(trained / "last.pt")
    assert last["step"] == 6
    assert (
        last["model_config"]
        == replace(
            ModelConfig(), conv_channels=32, hidden_size=32, num_layers=1, dropout=0.0
        ).to_dict()
    )
    assert last["feature_config"] == FeatureConfig().to_dict()
    assert last["vocabulary"] == list(TOKENS)
    assert last["train_config"]["preset"] == "tiny"
    assert {"optimizer", "sampler_rng"} <= set(last)
    averaged = load_checkpoint(trained / "averaged.pt")
    assert averaged["averaged_from"] == ["step_000003.pt", "step_000006.pt"]
    assert averaged["step"] == 6
    model, features, _ = model_from_checkpoint(trained / "averaged.pt")
    assert model.config.hidden_size == 32
    assert not model.training
    assert features == FeatureConfig()


def test_averaged_checkpoint_is_mean_of_numbered(trained: Path) -> None:
    a = load_checkpoint(trained / "step_000003.pt")["model"]
    b = load_checkpoint(trained / "step_000006.pt")["model"]
    averaged = load_checkpoint(trained / "averaged.pt")["model"]
    assert set(averaged) == set(a)
    changed = 0
    for name, value in averaged.items():
        torch.testing.assert_close(value, (a[name] + b[name]) / 2, atol=1e-6, rtol=0)
        changed += int(not torch.equal(a[name], b[name]))
    assert changed > 0  # training moved the weights between the two checkpoints


def test_training_resumes_from_last(
    trained: Path, tiny_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="models.train"):
        train(replace(tiny_config(trained, tiny_corpus, steps=8), init="resume"))
    assert f"resumed from {trained / 'last.pt'} at step 6" in caplog.text
    assert load_checkpoint(trained / "last.pt")["step"] == 8
    assert load_checkpoint(trained / "averaged.pt")["averaged_from"] == [
        "step_000006.pt",
        "step_000008.pt",
    ]
    rows = read_metrics(trained / "metrics.jsonl")
    assert [r["step"] for r in rows if r["kind"] == "train"] == [6, 8]
    assert [r["step"] for r in rows if r["kind"] == "dev"] == [3, 6, 8]


def test_a_new_run_refuses_to_replace_a_run_unless_told(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    for init in ("scratch", str(trained / "step_000006.pt")):
        with pytest.raises(TrainingError, match=r"last\.pt exists: --init resume continues"):
            train(replace(tiny_config(trained, tiny_corpus, steps=2), init=init))
    run = tmp_path / "run"
    shutil.copytree(trained, run)
    train(replace(tiny_config(run, tiny_corpus, steps=3), overwrite=True))
    assert load_checkpoint(run / "last.pt")["step"] == 3
    # the earlier run's numbered checkpoints and metrics are gone, so none mixes with the new
    assert sorted(p.name for p in run.glob("step_*.pt")) == ["step_000003.pt"]
    assert [r["step"] for r in read_metrics(run / "metrics.jsonl")] == [3, 3]


def test_resume_and_a_missing_start_fail_clearly(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    with pytest.raises(TrainingError, match=r"--init resume: there is no .*last\.pt to resume"):
        train(replace(tiny_config(tmp_path, tiny_corpus, steps=2), init="resume"))
    with pytest.raises(TrainingError, match=r"--init 'missing\.pt': no such file"):
        train(replace(tiny_config(tmp_path, tiny_corpus, steps=2), init="missing.pt"))
    compact_checkpoint(trained / "last.pt", tmp_path / "last.pt")
    with pytest.raises(TrainingError, match="holds no optimizer state"):
        train(replace(tiny_config(tmp_path, tiny_corpus, steps=9), init="resume"))


def test_a_resumed_run_sets_the_learning_rate_of_an_uninterrupted_one(
    tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    used: list[tuple[int, float]] = []

    def recording(step: int, config: TrainConfig, time_fraction: float = 0.0) -> float:
        lr = learning_rate(step, config, time_fraction)
        used.append((step, lr))
        return lr

    monkeypatch.setattr("models.train.learning_rate", recording)
    config = replace(tiny_config(tmp_path / "whole", tiny_corpus, steps=5), eval_limit=0)
    train(config)
    whole = list(used)
    used.clear()
    train(replace(config, out=str(tmp_path / "parts"), steps=2))
    train(replace(config, out=str(tmp_path / "parts"), init="resume"))
    assert [step for step, _ in whole] == [0, 1, 2, 3, 4]
    assert used == whole
    # warm-up over steps 0 and 1, then the cosine decay
    assert [lr for _, lr in whole[:3]] == pytest.approx([0.5 * config.lr, config.lr, config.lr])
    assert whole[4][1] < whole[3][1] < config.lr
    # the rate of the last step taken is the one the saved optimizer state holds
    saved = load_checkpoint(tmp_path / "parts" / "last.pt")["optimizer"]["param_groups"]
    assert saved[0]["lr"] == pytest.approx(whole[4][1])


def test_average_checkpoints_is_elementwise_mean(tmp_path: Path) -> None:
    torch.manual_seed(0)
    first, second = build_model(preset="tiny"), build_model(preset="tiny")
    save_checkpoint(tmp_path / "a.pt", first, FeatureConfig(), step=1)
    save_checkpoint(tmp_path / "b.pt", second, FeatureConfig(), step=2)
    mean = average_checkpoints([tmp_path / "a.pt", tmp_path / "b.pt"])
    one, two = first.state_dict(), second.state_dict()
    assert set(mean) == set(one)
    for name, value in mean.items():
        assert value.dtype == torch.float32
        torch.testing.assert_close(value, (one[name] + two[name]) / 2, atol=1e-7, rtol=0)
    with pytest.raises(TrainingError, match="no checkpoints"):
        average_checkpoints([])


def test_load_checkpoint_rejects_foreign_files(tmp_path: Path) -> None:
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(TrainingError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "junk.pt")
    (tmp_path / "empty.pt").write_bytes(b"")
    with pytest.raises(TrainingError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "empty.pt")
    with pytest.raises(TrainingError, match="cannot read checkpoint"):
        load_checkpoint(tmp_path / "missing.pt")
    torch.save({"format_version": 99, "vocabulary": list(TOKENS)}, tmp_path / "old.pt")
    with pytest.raises(TrainingError, match="checkpoint format 99 is not 1"):
        load_checkpoint(tmp_path / "old.pt")
    model = build_model(preset="tiny")
    save_checkpoint(tmp_path / "ok.pt", model, FeatureConfig(), step=0)
    state = torch.load(tmp_path / "ok.pt", weights_only=False)
    state["vocabulary"] = ["<blank>", "a"]
    torch.save(state, tmp_path / "vocab.pt")
    with pytest.raises(TrainingError, match="vocabulary"):
        load_checkpoint(tmp_path / "vocab.pt")


def test_warm_start_with_a_time_limit_and_no_dev_sets(
    trained: Path, tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config = replace(
        tiny_config(tmp_path, tiny_corpus, steps=1000),
        init=str(trained / "step_000006.pt"),
        eval_limit=0,
        time_limit=1e-6,  # spent by the first step
    )
    with caplog.at_level(logging.INFO, logger="models.train"):
        train(config)
    assert f"started from the weights of {trained / 'step_000006.pt'} (step 6)" in caplog.text
    last = load_checkpoint(tmp_path / "last.pt")
    assert last["step"] == 1  # a new run: its own step count and optimizer
    assert (tmp_path / "step_000001.pt").is_file()
    rows = read_metrics(tmp_path / "metrics.jsonl")
    assert [r["kind"] for r in rows] == ["train"]  # no dev evaluation
    start = load_checkpoint(trained / "step_000006.pt")["model"]
    moved = load_checkpoint(tmp_path / "last.pt")["model"]
    difference = max(float((moved[k] - start[k]).abs().max()) for k in start)
    assert 0 < difference < 0.1  # one small step away from the weights it started from


def test_warm_start_from_an_exported_model(
    trained: Path, tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # a clean checkout has no checkpoints, only the released ONNX file
    model, features, _ = model_from_checkpoint(trained / "step_000006.pt")
    exported = export_onnx(model, features, tmp_path / "release.onnx", training={"step": 6})
    config = replace(
        tiny_config(tmp_path / "run", tiny_corpus, steps=1000),
        init=str(exported),
        eval_limit=0,
        time_limit=1e-6,  # spent by the first step
    )
    with caplog.at_level(logging.INFO, logger="models.train"):
        train(config)
    assert f"started from the weights of {exported} (step 6)" in caplog.text
    start = model.state_dict()
    moved = load_checkpoint(tmp_path / "run" / "last.pt")["model"]
    difference = max(float((moved[k] - start[k]).abs().max()) for k in start)
    assert 0 < difference < 0.1  # one small step away from the exported weights


def test_warm_start_refuses_another_architecture(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    config = replace(
        tiny_config(tmp_path, tiny_corpus, steps=2),
        init=str(trained / "step_000006.pt"),
        rnn_type="gru",
    )
    with pytest.raises(TrainingError, match="is not this run's"):
        train(config)


def test_a_front_end_start_takes_the_convolutions_into_another_cell(
    trained: Path, tiny_corpus: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    source = trained / "step_000006.pt"
    config = replace(
        tiny_config(tmp_path, tiny_corpus, steps=1000),
        init=str(source),
        init_layers="front-end",
        rnn_type="gru",
        bidirectional=False,
        eval_limit=0,
        time_limit=1e-6,  # spent by the first step
    )
    with caplog.at_level(logging.INFO, logger="models.train"):
        train(config)
    assert f"started from the convolutions of {source} (4 tensors)" in caplog.text
    start = load_checkpoint(source)["model"]
    run = load_checkpoint(tmp_path / "last.pt")
    assert run["model_config"]["rnn_type"] == "gru"
    assert run["model_config"]["bidirectional"] is False
    for key in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"):
        assert 0 < float((run["model"][key] - start[key]).abs().max()) < 0.1
    assert (
        "rnns.0.weight_ih_l0_reverse" in start and "rnns.0.weight_ih_l0_reverse" not in run["model"]
    )


def test_a_front_end_start_needs_a_source_with_the_same_convolutions(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    config = replace(
        tiny_config(tmp_path, tiny_corpus, steps=2),
        init=str(trained / "step_000006.pt"),
        init_layers="front-end",
    )
    with pytest.raises(TrainingError, match="its convolutions"):
        train(replace(config, preset="small"))
    with pytest.raises(TrainingError, match="needs --init PATH"):
        train(replace(config, init="scratch"))
    with pytest.raises(TrainingError, match="give all or front-end"):
        train(replace(config, init_layers="rnn"))


def test_a_checkpoint_with_removed_grow_fields_loads_and_starts_a_run(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    # checkpoints written before model growing was removed hold residual_layers in their
    # model config and grow_layers, grow_gain, grow_lr_scale in their training config
    state = load_checkpoint(trained / "step_000006.pt")
    state["model_config"] = {**state["model_config"], "residual_layers": 0}
    state["train_config"] = {
        **state["train_config"],
        "grow_layers": 0,
        "grow_gain": 0.0,
        "grow_lr_scale": 10.0,
    }
    older = tmp_path / "older.pt"
    torch.save(state, older)
    model, _, _ = model_from_checkpoint(older)
    assert model.config == ModelConfig.from_dict(
        load_checkpoint(trained / "step_000006.pt")["model_config"]
    )
    config = replace(
        tiny_config(tmp_path / "run", tiny_corpus, steps=1), init=str(older), eval_limit=0
    )
    train(config)
    assert load_checkpoint(tmp_path / "run" / "last.pt")["step"] == 1
    state["model_config"]["residual_layers"] = 1
    torch.save(state, older)
    with pytest.raises(TrainingError, match="residual_layers=1: this version builds only"):
        model_from_checkpoint(older)


def test_bf16_training_has_fp32_loss_and_weights(
    trained: Path, tiny_corpus: Path, tmp_path: Path
) -> None:
    # the same first batch from the same weights, with and without bfloat16 autocast
    losses, moved = {}, {}
    for precision in ("fp32", "bf16"):
        config = replace(
            tiny_config(tmp_path / precision, tiny_corpus, steps=1),
            init=str(trained / "step_000006.pt"),
            eval_limit=0,
            augment=False,  # the same features both times
            precision=precision,
        )
        train(config)
        rows = read_metrics(tmp_path / precision / "metrics.jsonl")
        losses[precision] = float(rows[0]["loss"])  # type: ignore[arg-type]
        moved[precision] = load_checkpoint(tmp_path / precision / "last.pt")["model"]
    assert losses["bf16"] == pytest.approx(losses["fp32"], rel=0.03)  # bfloat16's rounding
    assert losses["bf16"] != losses["fp32"]  # and it did run in bfloat16
    start = load_checkpoint(trained / "step_000006.pt")["model"]
    assert all(w.dtype == torch.float32 for w in moved["bf16"].values())
    difference = max(float((moved["bf16"][k] - start[k]).abs().max()) for k in start)
    assert 0 < difference < 0.1  # one small step, as in float32


def test_unknown_precision_is_refused(tiny_corpus: Path, tmp_path: Path) -> None:
    config = replace(tiny_config(tmp_path, tiny_corpus, steps=1), precision="fp8")
    with pytest.raises(TrainingError, match="unknown --precision 'fp8'"):
        train(config)


def test_compact_checkpoint_halves_the_weights_and_loads_as_float32(
    trained: Path, tmp_path: Path
) -> None:
    compact_checkpoint(trained / "last.pt", tmp_path / "last.pt")
    state = load_checkpoint(tmp_path / "last.pt")
    assert not {"optimizer", "scheduler", "sampler_rng"} & set(state)
    assert {v.dtype for v in state["model"].values()} == {torch.float16}
    assert state["step"] == load_checkpoint(trained / "last.pt")["step"]
    original, _, _ = model_from_checkpoint(trained / "last.pt")
    compact, _, _ = model_from_checkpoint(tmp_path / "last.pt")
    for (name, value), copy in zip(
        original.state_dict().items(), compact.state_dict().values(), strict=True
    ):
        assert copy.dtype == torch.float32, name
        torch.testing.assert_close(copy, value, rtol=1e-3, atol=1e-4)
    assert (tmp_path / "last.pt").stat().st_size < 0.3 * (trained / "last.pt").stat().st_size


def test_measure_run_writes_dev_metrics_on_the_whole_training_count(
    trained: Path, tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_SPEECH_DIR", str(tmp_path / "no_real_speech"))
    run = tmp_path / "remote_run"
    run.mkdir()
    for name in ("step_000003.pt", "step_000006.pt"):
        shutil.copy(trained / name, run / name)
    (run / "train.log").write_text(  # as models.train's main logs it
        "2026-11-28 01:24:41,132 INFO step 3 loss 4.355 grad 1.27 lr 8.50e-05 0.30 s/step\n"
        "2026-11-28 01:24:42,001 INFO dev at step 3:\n"
        "2026-11-28 01:24:55,073 INFO step 6 loss 3.352 grad 1.54 lr 1.68e-04 0.28 s/step\n"
    )
    metrics = measure_run(run, tiny_corpus, limit=2, offset=100)
    rows = read_metrics(metrics)
    dev = [r for r in rows if r["kind"] == "dev"]
    assert [r["step"] for r in dev] == [103, 106]
    for row in dev:
        assert set(row["cer"]) == {"tts_held_out"}
        assert row["cer"]["tts_held_out"] >= 0.0
    losses = [(r["step"], r["loss"]) for r in rows if r["kind"] == "train"]
    assert losses == [(103, 4.355), (106, 3.352)]
    # the run now averages by real-dev like any other (no real sets here: it falls back)
    assert average_run(run, 1, "real-dev") == run / "averaged.pt"
    with pytest.raises(TrainingError, match="no numbered checkpoints"):
        measure_run(tmp_path / "no_run", tiny_corpus, limit=2)


def test_compare_two_checkpoints_of_a_run(
    trained: Path,
    tiny_corpus: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("ASSISTANT_SPEECH_DIR", str(tmp_path / "no_real_speech"))
    first, second = trained / "step_000003.pt", trained / "step_000006.pt"
    assert compare_main([str(first), str(second), "--tts-dir", str(tiny_corpus)]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.startswith("set")
    assert row.split()[0] == "tts_held_out"  # no real sets, so no mean row
    cer_first, cer_second, difference = (float(v) for v in row.split()[1:4])
    assert difference == pytest.approx(cer_second - cer_first, abs=0.011)
    assert row.split()[-1] in ("tie", "better")
    # with no real set there is no mean to show a gain, so a release would be refused
    args = [str(first), str(second), "--tts-dir", str(tiny_corpus), "--require-gain"]
    assert compare_main(args) == 1
    # a wrong path is refused before anything is transcribed
    with pytest.raises(SystemExit) as refused:
        compare_main([str(tmp_path / "missing.pt"), str(second), "--tts-dir", str(tiny_corpus)])
    assert refused.value.code == 2
    assert "cannot read checkpoint" in capsys.readouterr().err


def test_a_boost_of_a_corpus_not_trained_on_is_refused(tiny_corpus: Path, tmp_path: Path) -> None:
    config = replace(tiny_config(tmp_path, tiny_corpus, steps=1), corpus_boost="timit=2")
    with pytest.raises(TrainingError, match=r"--corpus-boost names \['timit'\]"):
        train(config)
