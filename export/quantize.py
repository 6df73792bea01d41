"""Dynamic int8 quantisation of an exported model, keeping its metadata."""

from __future__ import annotations

import logging
from pathlib import Path

import onnx
from onnxruntime.quantization import QuantType, quantize_dynamic

from export.errors import ExportError

_LOGGER = logging.getLogger(__name__)


def quantize_int8(source: Path, target: Path) -> Path:
    """Write an int8 (weights) copy of ``source`` to ``target``; metadata is carried over."""
    try:
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)
    except (RuntimeError, ValueError, onnx.checker.ValidationError) as e:
        raise ExportError(f"int8 quantisation of {source} failed: {e}") from e
    original = onnx.load(str(source))
    quantized = onnx.load(str(target))
    del quantized.metadata_props[:]
    for entry in original.metadata_props:
        quantized.metadata_props.add().CopyFrom(entry)
    extra = quantized.metadata_props.add()
    extra.key, extra.value = "quantization", "int8-dynamic"
    onnx.save(quantized, str(target))
    _LOGGER.info(
        "quantised %s -> %s (%.1f MB -> %.1f MB)",
        source,
        target,
        source.stat().st_size / 1e6,
        target.stat().st_size / 1e6,
    )
    return target
