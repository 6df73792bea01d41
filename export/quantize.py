"""Int8 quantisation of an exported model, keeping its metadata.

Linear layers and LSTMs get onnxruntime's dynamic quantisation (int8 weights, int8 kernels).
onnxruntime has no int8 GRU kernel, so a GRU's weights would stay float: they are stored as
int8 instead, symmetric with one scale per gate row, and a ``DequantizeLinear`` node turns them
back into float for the GRU. The file shrinks about fourfold; the GRU still computes in float.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper
from onnxruntime.quantization import QuantType, quantize_dynamic

from export.errors import ExportError

_LOGGER = logging.getLogger(__name__)

DYNAMIC = "int8-dynamic"
"""``quantization`` metadata of a file whose recurrent layers are LSTMs."""
GRU_WEIGHT_ONLY = "int8-dynamic; GRU weights int8, dequantised to float"
"""``quantization`` metadata of a file whose GRU weights are stored as int8."""


def quantize_int8(source: Path, target: Path) -> Path:
    """Write an int8 (weights) copy of ``source`` to ``target``; metadata is carried over."""
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    except (RuntimeError, ValueError, onnx.checker.ValidationError) as e:
        raise ExportError(f"int8 quantisation of {source} failed: {e}") from e
    original = onnx.load(str(source))
    quantized = onnx.load(str(target))
    grus = store_gru_weights_int8(quantized)
    del quantized.metadata_props[:]
    for entry in original.metadata_props:
        quantized.metadata_props.add().CopyFrom(entry)
    extra = quantized.metadata_props.add()
    extra.key, extra.value = "quantization", GRU_WEIGHT_ONLY if grus else DYNAMIC
    try:
        onnx.checker.check_model(quantized)
    except onnx.checker.ValidationError as e:
        raise ExportError(f"int8 copy of {source} is not a valid model: {e}") from e
    onnx.save(quantized, str(target))
    _LOGGER.info(
        "quantised %s -> %s (%.1f MB -> %.1f MB)",
        source,
        target,
        source.stat().st_size / 1e6,
        target.stat().st_size / 1e6,
    )
    return target


def store_gru_weights_int8(model: onnx.ModelProto) -> int:
    """Replace each GRU node's float input and recurrence weights (shape ``(directions,
    3 * hidden, inputs)``) by int8 initializers and a ``DequantizeLinear`` per weight, in
    place. Returns the number of GRU nodes changed."""
    initializers = {init.name: init for init in model.graph.initializer}
    changed, dequantize = 0, []
    for node in model.graph.node:
        if node.op_type != "GRU":
            continue
        for name in node.input[1:3]:  # W, R
            if name not in initializers:
                raise ExportError(f"GRU weight {name!r} is computed, not stored; cannot quantise")
            weight = numpy_helper.to_array(initializers[name]).astype(np.float32)
            rows = weight.reshape(-1, weight.shape[-1])
            scale = (np.maximum(np.abs(rows).max(axis=1), 1e-12) / 127.0).astype(np.float32)
            values = np.clip(np.round(rows / scale[:, None]), -127, 127).astype(np.int8)
            model.graph.initializer.remove(initializers[name])
            model.graph.initializer.extend(
                [
                    numpy_helper.from_array(values, f"{name}_int8"),
                    numpy_helper.from_array(scale, f"{name}_int8_scale"),
                    numpy_helper.from_array(
                        np.array(weight.shape, dtype=np.int64), f"{name}_int8_shape"
                    ),
                ]
            )
            dequantize += [
                helper.make_node(
                    "DequantizeLinear",
                    [f"{name}_int8", f"{name}_int8_scale"],
                    [f"{name}_int8_rows"],
                    axis=0,
                ),
                helper.make_node("Reshape", [f"{name}_int8_rows", f"{name}_int8_shape"], [name]),
            ]
        changed += 1
    for node in reversed(dequantize):  # before every user, as a topological order needs
        model.graph.node.insert(0, node)
    return changed
