"""Shared fixtures: tiny ONNX acoustic models that follow the exporter's contract."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from assistant.features import FeatureConfig
from assistant.model_format import model_metadata
from assistant.vocabulary import TOKENS

SUBSAMPLING = 4
DEFAULT_FEATURES = FeatureConfig()


def contract_metadata(feature_config: FeatureConfig, factor: int = SUBSAMPLING) -> dict[str, str]:
    """The metadata_props the exporter writes, for a model with these parameters."""
    return model_metadata(
        feature_config=feature_config,
        subsampling_factor=factor,
        model_config={"hidden": 8, "layers": 1},
        versions={"torch": "test", "step": 7},
        model_card="A test model: one matrix, no training.",
    )


def build_model(
    path: Path,
    *,
    weights: np.ndarray,
    bias: np.ndarray,
    metadata: Mapping[str, str],
    factor: int = SUBSAMPLING,
) -> Path:
    """Write log_softmax(features[:, ::factor] @ weights + bias) and ceil(lengths / factor)."""
    n_mels, vocab = weights.shape
    graph = helper.make_graph(
        nodes=[
            helper.make_node("Slice", ["features", "zero", "end", "one", "step"], ["sub"]),
            helper.make_node("MatMul", ["sub", "weights"], ["logits0"]),
            helper.make_node("Add", ["logits0", "bias"], ["logits"]),
            helper.make_node("LogSoftmax", ["logits"], ["log_probs"], axis=-1),
            helper.make_node("Add", ["lengths", "step_minus_one"], ["padded_lengths"]),
            helper.make_node("Div", ["padded_lengths", "step"], ["out_lengths"]),
        ],
        name="tiny_ctc",
        inputs=[
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "time", n_mels]),
            helper.make_tensor_value_info("lengths", TensorProto.INT64, ["batch"]),
        ],
        outputs=[
            helper.make_tensor_value_info(
                "log_probs", TensorProto.FLOAT, ["batch", "time_out", vocab]
            ),
            helper.make_tensor_value_info("out_lengths", TensorProto.INT64, ["batch"]),
        ],
        initializer=[
            numpy_helper.from_array(np.array([0], dtype=np.int64), "zero"),
            numpy_helper.from_array(np.array([np.iinfo(np.int64).max], dtype=np.int64), "end"),
            numpy_helper.from_array(np.array([1], dtype=np.int64), "one"),
            numpy_helper.from_array(np.array([factor], dtype=np.int64), "step"),
            numpy_helper.from_array(np.array([factor - 1], dtype=np.int64), "step_minus_one"),
            numpy_helper.from_array(weights.astype(np.float32), "weights"),
            numpy_helper.from_array(bias.astype(np.float32), "bias"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, dict(metadata))
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


ModelFactory = Callable[..., Path]


@pytest.fixture
def make_model(tmp_path: Path) -> ModelFactory:
    """Factory writing a contract-following model; keyword arguments change one aspect."""

    def factory(
        name: str = "model.onnx",
        *,
        feature_config: FeatureConfig = DEFAULT_FEATURES,
        overrides: Mapping[str, str] | None = None,
        drop: Iterable[str] = (),
        weights: np.ndarray | None = None,
        bias: np.ndarray | None = None,
        vocab_size: int = len(TOKENS),
    ) -> Path:
        metadata = contract_metadata(feature_config)
        metadata.update(overrides or {})
        for key in drop:
            del metadata[key]
        if weights is None:
            weights = np.random.default_rng(0).normal(size=(feature_config.n_mels, vocab_size))
        if bias is None:
            bias = np.zeros(vocab_size)
        return build_model(tmp_path / name, weights=weights, bias=bias, metadata=metadata)

    return factory


@pytest.fixture
def model_path(make_model: ModelFactory) -> Path:
    """A valid model with random weights and the default feature configuration."""
    return make_model()


@pytest.fixture
def speechlike() -> np.ndarray:
    """0.5 s of 16 kHz float32 audio: two tones with a rising envelope and a little noise."""
    t = np.arange(8000) / 16000
    rng = np.random.default_rng(1)
    signal = np.sin(2 * np.pi * 300 * t) + 0.5 * np.sin(2 * np.pi * 1200 * t)
    return (0.3 * t * signal + 0.01 * rng.standard_normal(t.size)).astype(np.float32)
