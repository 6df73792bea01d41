"""An exported model's weights back in PyTorch: a warm start from the released model.

Checkpoints are not committed, so a clean checkout holds only the released ONNX file; this
rebuilds an :class:`AcousticModel` from it (``models.train --init model.onnx``). Both
exports are read: the float one (``python -m export``) gives the exact weights; the int8 one
(dynamic quantisation, as bundled) gives them dequantised, ``(q - zero point) * scale``, which
is what that model computes with up to the rounding of its activations.

The model's shape comes from the file's ``model_config`` metadata. Recurrent weights are read
from the LSTM nodes in graph order (one per layer), whose gates ONNX orders input, output,
forget, cell and PyTorch input, forget, cell, output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
from google.protobuf.message import DecodeError
from onnx import numpy_helper

from assistant.errors import ModelError
from assistant.features import FeatureConfig
from assistant.model_format import parse_model_info
from models.errors import TrainingError
from models.model import AcousticModel, ModelConfig

_TORCH_GATES = [0, 2, 3, 1]
"""Where PyTorch's gates (i, f, g, o) lie in ONNX's order (i, o, f, c)."""
_LSTM_OPS = ("LSTM", "DynamicQuantizeLSTM")
_MATMUL_OPS = ("MatMul", "MatMulInteger")


def model_from_onnx(path: Path) -> tuple[AcousticModel, FeatureConfig, dict[str, str]]:
    """The model of an exported ONNX file (eval mode), its feature config and its metadata."""
    try:
        proto = onnx.load(str(path))
    except (OSError, DecodeError) as e:
        raise TrainingError(f"cannot read ONNX model {path}: {e}") from e
    metadata = {prop.key: prop.value for prop in proto.metadata_props}
    try:
        # the runtime's checks: model type, vocabulary, sample rate, feature config
        info = parse_model_info(path, metadata)
        config = ModelConfig.from_dict(info.model_config)
    except (ModelError, TrainingError, TypeError) as e:
        raise TrainingError(f"{path}: not an exported acoustic model ({e})") from e
    if config.rnn_type != "lstm" or not config.bidirectional:
        raise TrainingError(f"{path}: only bidirectional LSTM models can be read, got {config}")
    model = AcousticModel(config)
    try:
        state = _state_dict(proto, config)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
    except (KeyError, ValueError, RuntimeError) as e:
        raise TrainingError(f"{path}: weights do not fit {config}: {e}") from e
    model.eval()
    return model, info.feature_config, metadata


def exported_step(metadata: dict[str, str]) -> int:
    """The training step an exported model's weights come from (0 when it does not say)."""
    try:
        return int(json.loads(metadata.get("training", "{}")).get("step", 0))
    except (ValueError, TypeError, AttributeError) as e:
        raise TrainingError(f"unreadable 'training' metadata: {e}") from e


def _state_dict(proto: onnx.ModelProto, config: ModelConfig) -> dict[str, np.ndarray]:
    weights = {init.name: numpy_helper.to_array(init) for init in proto.graph.initializer}

    def tensor(name: str) -> np.ndarray:
        """A weight in float32, dequantised when the file holds it as integers."""
        value = weights[name]
        if not name.endswith("_quantized"):
            return value.astype(np.float32)
        base = name.removesuffix("_quantized")
        scale, zero = weights[f"{base}_scale"], weights[f"{base}_zero_point"]
        # per tensor, or per output direction (the first axis) for the LSTM weights
        shape = (-1,) + (1,) * (value.ndim - 1) if scale.ndim else ()
        centred = value.astype(np.float32) - zero.astype(np.float32).reshape(shape)
        return centred * scale.astype(np.float32).reshape(shape)

    def named(name: str) -> np.ndarray:
        return tensor(name if name in weights else f"{name}_quantized")

    state = {
        name: named(name)
        for name in ("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "output.bias")
    }
    for layer in range(config.num_layers):
        for part in ("weight", "bias"):
            state[f"norms.{layer}.{part}"] = named(f"norms.{layer}.{part}")
    lstms = [node for node in proto.graph.node if node.op_type in _LSTM_OPS]
    if len(lstms) != config.num_layers:
        raise ValueError(f"{len(lstms)} LSTM nodes for {config.num_layers} layers")
    hidden = config.hidden_size
    for layer, node in enumerate(lstms):
        w, r = tensor(node.input[1]), tensor(node.input[2])
        if node.op_type == "DynamicQuantizeLSTM":  # (directions, inputs, 4 * hidden)
            w, r = w.transpose(0, 2, 1), r.transpose(0, 2, 1)
        bias = tensor(node.input[3])
        for direction, suffix in enumerate(("", "_reverse")):
            key = f"rnns.{layer}.{{}}_l0{suffix}"
            state[key.format("weight_ih")] = _torch_gates(w[direction], hidden)
            state[key.format("weight_hh")] = _torch_gates(r[direction], hidden)
            state[key.format("bias_ih")] = _torch_gates(bias[direction, : 4 * hidden], hidden)
            state[key.format("bias_hh")] = _torch_gates(bias[direction, 4 * hidden :], hidden)
    (output,) = [node for node in proto.graph.node if node.op_type in _MATMUL_OPS]
    state["output.weight"] = np.ascontiguousarray(tensor(output.input[1]).T)
    return state


def _torch_gates(value: np.ndarray, hidden: int) -> np.ndarray:
    """Rows of ONNX's four gate blocks (i, o, f, c) in PyTorch's order (i, f, g, o)."""
    blocks = value.reshape(4, hidden, *value.shape[1:])
    return np.ascontiguousarray(blocks[_TORCH_GATES].reshape(value.shape))
