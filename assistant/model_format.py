"""The exported model's file format: what an ONNX acoustic model says about itself.

One definition for both sides: the exporter (``export/onnx_export.py``) writes
:func:`model_metadata` into the file's ``metadata_props``; the runtime reads it back with
:func:`parse_model_info`, refusing a file whose vocabulary, sample rate or format it does not
share, naming the value that differs. Every value is a string; structured ones are JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelError
from assistant.features import SAMPLE_RATE, FeatureConfig
from assistant.vocabulary import BLANK_ID, TOKENS

MODEL_TYPE = "bilstm_ctc"
"""The architecture this runtime runs."""
FORMAT_VERSION = 1
"""Version of the input/output/metadata contract."""
REQUIRED_METADATA = (
    "model_type",
    "format_version",
    "sample_rate",
    "feature_config",
    "vocabulary",
    "blank_id",
    "subsampling_factor",
    "model_config",
    "versions",
)
"""Keys every exported model carries; ``model_card`` and ``training`` are optional."""
INPUT_NAMES = ("features", "lengths")
OUTPUT_NAMES = ("log_probs", "out_lengths")
"""The ONNX graph's inputs and outputs, by name."""


def model_metadata(
    *,
    feature_config: FeatureConfig,
    subsampling_factor: int,
    model_config: Mapping[str, object],
    versions: Mapping[str, object],
    model_card: str = "",
    training: Mapping[str, object] | None = None,
) -> dict[str, str]:
    """The ``metadata_props`` of a model with these parameters, as the runtime reads them."""
    return {
        "model_type": MODEL_TYPE,
        "format_version": str(FORMAT_VERSION),
        "sample_rate": str(feature_config.sample_rate),
        "feature_config": json.dumps(feature_config.to_dict()),
        "vocabulary": json.dumps(list(TOKENS)),
        "blank_id": str(BLANK_ID),
        "subsampling_factor": str(subsampling_factor),
        "model_config": json.dumps(dict(model_config)),
        "versions": json.dumps(dict(versions)),
        "training": json.dumps(dict(training or {})),
        "model_card": model_card,
    }


@dataclass(frozen=True)
class ModelInfo:
    """What an exported model says about itself, checked against this runtime."""

    path: Path
    """The ONNX file."""
    model_type: str
    """Architecture name; this runtime runs ``bilstm_ctc``."""
    format_version: int
    """Version of the input/output/metadata contract."""
    sample_rate: int
    """Audio sample rate in Hz the model was trained on."""
    feature_config: FeatureConfig
    """Log-mel front end the model expects."""
    vocabulary: tuple[str, ...]
    """Output tokens, index = class id."""
    blank_id: int
    """CTC blank class id."""
    subsampling_factor: int
    """Feature frames per output frame."""
    model_config: Mapping[str, object]
    """Architecture hyper-parameters, as the trainer recorded them."""
    versions: Mapping[str, object]
    """Library versions and training step the export came from."""
    model_card: str | None = None
    """Free-text description of data and accuracy, when present."""

    @property
    def output_frame_s(self) -> float:
        """Seconds of audio per output frame."""
        return self.subsampling_factor / self.feature_config.frames_per_second


def _json_value(path: Path, metadata: Mapping[str, str], key: str) -> object:
    try:
        return json.loads(metadata[key])
    except json.JSONDecodeError as e:
        raise ModelError(f"{path}: metadata {key!r} is not valid JSON ({e})") from e


def _int_value(path: Path, metadata: Mapping[str, str], key: str) -> int:
    try:
        return int(metadata[key])
    except ValueError as e:
        raise ModelError(f"{path}: metadata {key!r} is {metadata[key]!r}, not an integer") from e


def _json_object(path: Path, metadata: Mapping[str, str], key: str) -> dict[str, object]:
    value = _json_value(path, metadata, key)
    if not isinstance(value, dict):
        raise ModelError(f"{path}: metadata {key!r} is {type(value).__name__}, not a JSON object")
    return value


def _check_vocabulary(path: Path, vocabulary: object) -> tuple[str, ...]:
    if not isinstance(vocabulary, list) or not all(isinstance(t, str) for t in vocabulary):
        raise ModelError(f"{path}: metadata 'vocabulary' is not a JSON list of strings")
    if tuple(vocabulary) == TOKENS:
        return TOKENS
    if len(vocabulary) != len(TOKENS):
        raise ModelError(
            f"{path}: the model has {len(vocabulary)} tokens, this runtime has {len(TOKENS)}"
        )
    index = next(i for i, (a, b) in enumerate(zip(vocabulary, TOKENS, strict=True)) if a != b)
    raise ModelError(
        f"{path}: vocabulary differs at index {index}: model has {vocabulary[index]!r}, "
        f"this runtime has {TOKENS[index]!r}"
    )


def parse_model_info(path: str | Path, metadata: Mapping[str, str]) -> ModelInfo:
    """Check and parse a model's ``metadata_props``; raises :class:`ModelError` on a mismatch."""
    path = Path(path)
    missing = [key for key in REQUIRED_METADATA if key not in metadata]
    if missing:
        raise ModelError(
            f"{path}: metadata lacks {', '.join(missing)}; export the model with this project's "
            "exporter"
        )
    model_type = metadata["model_type"]
    if model_type != MODEL_TYPE:
        raise ModelError(f"{path}: model_type is {model_type!r}, this runtime runs {MODEL_TYPE!r}")
    format_version = _int_value(path, metadata, "format_version")
    if format_version != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format_version is {format_version}, this runtime reads {FORMAT_VERSION}"
        )
    sample_rate = _int_value(path, metadata, "sample_rate")
    if sample_rate != SAMPLE_RATE:
        raise ModelError(
            f"{path}: sample_rate is {sample_rate} Hz, this runtime uses {SAMPLE_RATE} Hz"
        )
    try:
        feature_config = FeatureConfig.from_dict(_json_object(path, metadata, "feature_config"))
    except (TypeError, ValueError) as e:
        raise ModelError(f"{path}: metadata 'feature_config' is unusable ({e})") from e
    if feature_config.sample_rate != sample_rate:
        raise ModelError(
            f"{path}: feature_config sample_rate is {feature_config.sample_rate} Hz, "
            f"metadata sample_rate is {sample_rate} Hz"
        )
    vocabulary = _check_vocabulary(path, _json_value(path, metadata, "vocabulary"))
    blank_id = _int_value(path, metadata, "blank_id")
    if blank_id != BLANK_ID:
        raise ModelError(f"{path}: blank_id is {blank_id}, this runtime uses {BLANK_ID}")
    subsampling_factor = _int_value(path, metadata, "subsampling_factor")
    if subsampling_factor < 1:
        raise ModelError(f"{path}: subsampling_factor is {subsampling_factor}, expected >= 1")
    return ModelInfo(
        path=path,
        model_type=model_type,
        format_version=format_version,
        sample_rate=sample_rate,
        feature_config=feature_config,
        vocabulary=vocabulary,
        blank_id=blank_id,
        subsampling_factor=subsampling_factor,
        model_config=_json_object(path, metadata, "model_config"),
        versions=_json_object(path, metadata, "versions"),
        model_card=metadata.get("model_card"),
    )
