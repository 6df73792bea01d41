"""ONNX export of the acoustic model, with its description in the file's metadata."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import onnx
import torch

import assistant
from assistant import model_format
from assistant.features import FeatureConfig
from export.errors import ExportError
from models.model import AcousticModel, without_phoneme_head

_LOGGER = logging.getLogger(__name__)

OPSET = 17


def model_metadata(
    model: AcousticModel,
    feature_config: FeatureConfig,
    model_card: str = "",
    training: dict[str, object] | None = None,
) -> dict[str, str]:
    """The ``metadata_props`` the runtime reads (:func:`assistant.model_format.model_metadata`)."""
    return model_format.model_metadata(
        feature_config=feature_config,
        subsampling_factor=model.config.subsampling_factor,
        model_config=model.config.to_dict(),
        versions={
            "assistant": assistant.__version__,
            "torch": torch.__version__,
            "onnx": onnx.__version__,
            "opset": OPSET,
        },
        model_card=model_card,
        training=training,
    )


def set_metadata(path: Path, metadata: dict[str, str]) -> None:
    """Replace the metadata_props of the ONNX file at ``path``."""
    proto = onnx.load(str(path))
    del proto.metadata_props[:]
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(path))


def export_onnx(
    model: AcousticModel,
    feature_config: FeatureConfig,
    path: Path,
    model_card: str = "",
    training: dict[str, object] | None = None,
) -> Path:
    """Write ``model`` to ``path`` with dynamic batch and time axes and its metadata.

    The TorchScript exporter is used: it exports ``pack_padded_sequence`` exactly, so batched
    inference with padding matches PyTorch.
    """
    model = without_phoneme_head(model).eval()  # the phoneme head only helps training
    example = torch.randn(2, 160, feature_config.n_mels)
    lengths = torch.tensor([160, 97], dtype=torch.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter warns about PackPadded shape inference
            torch.onnx.export(
                model,
                (example, lengths),
                str(path),
                input_names=list(model_format.INPUT_NAMES),
                output_names=list(model_format.OUTPUT_NAMES),
                opset_version=OPSET,
                dynamo=False,
                dynamic_axes={
                    "features": {0: "batch", 1: "time"},
                    "lengths": {0: "batch"},
                    "log_probs": {0: "batch", 1: "time_out"},
                    "out_lengths": {0: "batch"},
                },
            )
    except (RuntimeError, torch.onnx.errors.OnnxExporterError) as e:  # type: ignore[attr-defined]
        raise ExportError(f"ONNX export to {path} failed: {e}") from e
    set_metadata(path, model_metadata(model, feature_config, model_card, training))
    onnx.checker.check_model(str(path))
    _LOGGER.info("exported %s (%.1f MB)", path, path.stat().st_size / 1e6)
    return path
