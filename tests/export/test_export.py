"""ONNX export, verification, int8 quantisation, and the runtime reading the exported files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch

from assistant.features import FeatureConfig, log_mel
from assistant.recognizer import Recognizer
from assistant.vocabulary import TOKENS
from export.errors import ExportError, VerificationError
from export.onnx_export import export_onnx
from export.quantize import quantize_int8, store_gru_weights_int8
from export.verify import verify_onnx
from models.checkpoint import main as checkpoint_main
from models.checkpoint import model_from_checkpoint, save_checkpoint
from models.errors import TrainingError
from models.from_onnx import model_from_onnx
from models.model import AcousticModel, build_model

SHORT_LENGTHS = (1, 17, 100, 301)
"""verify_onnx lengths, a little shorter than the default to keep the test quick."""


def tiny_model(seed: int) -> AcousticModel:
    torch.manual_seed(seed)
    return build_model(preset="tiny").eval()


def metadata_of(path: Path) -> dict[str, str]:
    return {p.key: p.value for p in onnx.load(str(path)).metadata_props}


@pytest.fixture(scope="module")
def model() -> AcousticModel:
    return tiny_model(0)


@pytest.fixture(scope="module")
def exported(model: AcousticModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "tiny.onnx"
    assert export_onnx(model, FeatureConfig(), path, "card text", {"step": 5}) == path
    return path


@pytest.fixture(scope="module")
def quantized(exported: Path) -> Path:
    target = exported.with_suffix(".int8.onnx")
    assert quantize_int8(exported, target) == target
    return target


@pytest.fixture(scope="module")
def one_second() -> np.ndarray:
    t = np.arange(16000) / 16000
    rng = np.random.default_rng(3)
    audio = 0.3 * np.sin(2 * np.pi * 440 * t) * np.sin(np.pi * t) + 0.02 * rng.standard_normal(
        t.size
    )
    return audio.astype(np.float32)


def test_metadata_describes_the_model(exported: Path, model: AcousticModel) -> None:
    metadata = metadata_of(exported)
    assert set(metadata) == {
        "model_type",
        "format_version",
        "sample_rate",
        "feature_config",
        "vocabulary",
        "blank_id",
        "subsampling_factor",
        "model_config",
        "versions",
        "training",
        "model_card",
    }
    assert metadata["model_type"] == "bilstm_ctc"
    assert metadata["format_version"] == "1"
    assert metadata["sample_rate"] == "16000"
    assert json.loads(metadata["vocabulary"]) == list(TOKENS)
    assert metadata["blank_id"] == "0"
    assert metadata["subsampling_factor"] == "4"
    assert FeatureConfig.from_dict(json.loads(metadata["feature_config"])) == FeatureConfig()
    assert json.loads(metadata["model_config"]) == model.config.to_dict()
    assert json.loads(metadata["training"]) == {"step": 5}
    assert metadata["model_card"] == "card text"
    versions = json.loads(metadata["versions"])
    assert versions["torch"] == torch.__version__
    assert versions["opset"] == 17


def test_graph_has_dynamic_batch_and_time(exported: Path) -> None:
    graph = onnx.load(str(exported)).graph
    inputs = {
        i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]
        for i in graph.input
    }
    assert inputs == {"features": ["batch", "time", 80], "lengths": ["batch"]}
    assert [o.name for o in graph.output] == ["log_probs", "out_lengths"]


def test_verify_passes_with_full_agreement(exported: Path, model: AcousticModel) -> None:
    result = verify_onnx(model, exported, lengths=SHORT_LENGTHS)
    assert result.greedy_agreement == 1.0
    assert result.max_abs_diff < 1e-4
    assert result.cases == len(SHORT_LENGTHS) + 1


def test_verify_rejects_a_different_model(exported: Path) -> None:
    with pytest.raises(VerificationError, match="differs from PyTorch"):
        verify_onnx(tiny_model(1), exported, lengths=SHORT_LENGTHS)


def test_int8_is_smaller_and_keeps_metadata(exported: Path, quantized: Path) -> None:
    assert quantized.stat().st_size < 0.6 * exported.stat().st_size
    original, int8 = metadata_of(exported), metadata_of(quantized)
    assert int8.pop("quantization") == "int8-dynamic"
    assert int8 == original


@pytest.mark.parametrize(
    ("rnn_type", "recurrent_op"), [("lstm", "DynamicQuantizeLSTM"), ("gru", "GRU")]
)
def test_int8_quantises_an_lstm_and_stores_a_grus_weights_as_int8(
    tmp_path: Path, rnn_type: str, recurrent_op: str, one_second: np.ndarray
) -> None:
    model = build_model(preset="tiny", rnn_type=rnn_type).eval()
    fp32 = export_onnx(model, FeatureConfig(), tmp_path / f"{rnn_type}.onnx")
    int8 = quantize_int8(fp32, tmp_path / f"{rnn_type}.int8.onnx")
    proto = onnx.load(str(int8))
    ops = {node.op_type for node in proto.graph.node}
    assert {"LSTM", "GRU", "DynamicQuantizeLSTM"} & ops == {recurrent_op}
    assert int8.stat().st_size < 0.4 * fp32.stat().st_size
    float_weights = {
        init.name for init in proto.graph.initializer if init.data_type == onnx.TensorProto.FLOAT
    }
    recurrent = [node for node in proto.graph.node if node.op_type == recurrent_op]
    assert len(recurrent) == model.config.num_layers
    for node in recurrent:  # W and R are int8 in the file, whichever the cell
        assert not float_weights & set(node.input[1:3])
    assert metadata_of(int8)["quantization"] == (
        "int8-dynamic"
        if rnn_type == "lstm"
        else "int8-dynamic; GRU weights int8, dequantised to float"
    )
    got = Recognizer(int8, provider="cpu").log_probs(one_second)
    expected = Recognizer(fp32, provider="cpu").log_probs(one_second)
    assert float(np.abs(got - expected).max()) < 0.5
    assert float(np.abs(got - expected).max()) > 0  # the weights were rounded


def test_a_gru_weight_computed_in_the_graph_is_refused(tmp_path: Path) -> None:
    model = build_model(preset="tiny", rnn_type="gru").eval()
    proto = onnx.load(str(export_onnx(model, FeatureConfig(), tmp_path / "gru.onnx")))
    gru = next(node for node in proto.graph.node if node.op_type == "GRU")
    gru.input[1] = "computed_elsewhere"
    with pytest.raises(ExportError, match="computed, not stored"):
        store_gru_weights_int8(proto)


@pytest.mark.parametrize("which", ["fp32", "int8"])
def test_runtime_opens_exported_files(
    which: str, exported: Path, quantized: Path, one_second: np.ndarray
) -> None:
    recognizer = Recognizer(exported if which == "fp32" else quantized, provider="cpu")
    assert recognizer.info.vocabulary == TOKENS
    assert recognizer.info.feature_config == FeatureConfig()
    log_probs = recognizer.log_probs(one_second)
    assert log_probs.shape == (26, len(TOKENS))  # 101 frames -> ceil(101 / 4)
    assert log_probs.dtype == np.float32
    np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, atol=1e-4)


def test_runtime_fp32_equals_torch(
    exported: Path, quantized: Path, model: AcousticModel, one_second: np.ndarray
) -> None:
    features = torch.from_numpy(log_mel(one_second))[None]
    with torch.inference_mode():
        expected, lengths = model(features, torch.tensor([features.shape[1]]))
    got = Recognizer(exported, provider="cpu").log_probs(one_second)
    assert int(lengths[0]) == got.shape[0]
    np.testing.assert_allclose(got, expected[0].numpy(), atol=1e-4)
    # int8 weights move the numbers, but not far for a tiny random model
    got8 = Recognizer(quantized, provider="cpu").log_probs(one_second)
    assert float(np.abs(got8 - got).max()) < 0.5


def test_export_command_line(tmp_path: Path, model: AcousticModel) -> None:
    checkpoint = tmp_path / "ckpt.pt"
    save_checkpoint(checkpoint, model, FeatureConfig(), step=11, averaged_from=["a.pt"])
    out = tmp_path / "cli" / "model.onnx"
    card = tmp_path / "card.md"
    card.write_text("# tiny\n")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "export",
            "--checkpoint",
            str(checkpoint),
            "--out",
            str(out),
            "--model-card",
            str(card),
            "--int8",
            "--int8-check",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "verified" in result.stdout
    assert "argmax agreement 100.00 %" in result.stdout
    assert out.is_file()
    assert out.with_suffix(".int8.onnx").is_file()
    metadata = metadata_of(out)
    assert metadata["model_card"] == "# tiny\n\n(Full card: docs/model_card.md in the project.)"
    training = json.loads(metadata["training"])
    assert training["step"] == 11
    assert training["checkpoint"] == "ckpt.pt"
    assert training["averaged_from"] == ["a.pt"]


def test_exported_weights_read_back_into_pytorch(
    exported: Path, quantized: Path, model: AcousticModel
) -> None:
    rebuilt, features, metadata = model_from_onnx(exported)
    assert rebuilt.config == model.config
    assert features == FeatureConfig()
    assert json.loads(metadata["training"]) == {"step": 5}
    original = model.state_dict()
    rebuilt_weights = rebuilt.state_dict()
    assert rebuilt_weights.keys() == original.keys()
    for name, value in rebuilt_weights.items():  # the float export: the very weights
        torch.testing.assert_close(value, original[name], rtol=0, atol=1e-6, msg=name)
    # int8: each weight within half a quantisation step (largest / 127) of the float one
    for name, value in model_from_onnx(quantized)[0].state_dict().items():
        error = float((value - original[name]).abs().max())
        assert error <= float(original[name].abs().max()) / 127 / 2 + 1e-6, name


def test_an_export_becomes_a_checkpoint_that_averaging_and_evaluation_read(
    quantized: Path, tmp_path: Path
) -> None:
    target = tmp_path / "from_int8.pt"
    assert checkpoint_main(["from-onnx", str(quantized), "--out", str(target)]) == 0
    model, features, state = model_from_checkpoint(target)
    assert state["step"] == 5
    assert state["exported_from"] == str(quantized)
    assert features == FeatureConfig()
    dequantised = model_from_onnx(quantized)[0].state_dict()
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, dequantised[name], rtol=0, atol=0, msg=name)


def test_a_broken_export_gives_no_checkpoint(tmp_path: Path, exported: Path) -> None:
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(exported.read_bytes()[:1000])
    with pytest.raises(SystemExit) as exit_info:
        checkpoint_main(["from-onnx", str(damaged), "--out", str(tmp_path / "x.pt")])
    assert exit_info.value.code == 1
    assert not (tmp_path / "x.pt").exists()


def test_reading_back_a_damaged_or_foreign_file_says_so(tmp_path: Path, exported: Path) -> None:
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(exported.read_bytes()[:1000])
    with pytest.raises(TrainingError, match="cannot read ONNX model"):
        model_from_onnx(damaged)
    with pytest.raises(TrainingError, match="cannot read ONNX model"):
        model_from_onnx(tmp_path / "missing.onnx")
    foreign = onnx.load(str(exported))
    del foreign.metadata_props[:]
    onnx.save(foreign, str(tmp_path / "foreign.onnx"))
    with pytest.raises(TrainingError, match="not an exported acoustic model"):
        model_from_onnx(tmp_path / "foreign.onnx")


def test_an_export_with_a_removed_model_field_reads_back_when_it_is_neutral(
    exported: Path, model: AcousticModel, tmp_path: Path
) -> None:
    # older exports (the bundled model among them) carry residual_layers: 0
    proto = onnx.load(str(exported))
    for prop in proto.metadata_props:
        if prop.key == "model_config":
            config = json.loads(prop.value)
            prop.value = json.dumps({**config, "residual_layers": 0})
    onnx.save(proto, str(tmp_path / "older.onnx"))
    rebuilt, _, _ = model_from_onnx(tmp_path / "older.onnx")
    assert rebuilt.config == model.config
    for prop in proto.metadata_props:
        if prop.key == "model_config":
            prop.value = json.dumps({**config, "residual_layers": 1})
    onnx.save(proto, str(tmp_path / "grown.onnx"))
    with pytest.raises(TrainingError, match="residual_layers=1: this version builds only"):
        model_from_onnx(tmp_path / "grown.onnx")
