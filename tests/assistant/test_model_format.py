"""The model file format: what the exporter writes is what the runtime reads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ModelError
from assistant.features import FeatureConfig
from assistant.model_format import (
    FORMAT_VERSION,
    MODEL_TYPE,
    REQUIRED_METADATA,
    ModelInfo,
    model_metadata,
    parse_model_info,
)
from assistant.recognizer import load_model_info
from assistant.vocabulary import BLANK_ID, TOKENS
from tests.conftest import build_model

FEATURES = FeatureConfig(n_mels=40, f_max=7600.0)


def written() -> dict[str, str]:
    return model_metadata(
        feature_config=FEATURES,
        subsampling_factor=3,
        model_config={"hidden": 16, "layers": 2},
        versions={"assistant": "0.1.0", "step": 42},
        model_card="card",
        training={"epochs": 2},
    )


EXPECTED = ModelInfo(
    path=Path("m.onnx"),
    model_type=MODEL_TYPE,
    format_version=FORMAT_VERSION,
    sample_rate=16000,
    feature_config=FEATURES,
    vocabulary=TOKENS,
    blank_id=BLANK_ID,
    subsampling_factor=3,
    model_config={"hidden": 16, "layers": 2},
    versions={"assistant": "0.1.0", "step": 42},
    model_card="card",
)


def test_written_metadata_parses_back_to_the_same_values() -> None:
    assert parse_model_info("m.onnx", written()) == EXPECTED


def test_written_metadata_holds_every_required_key_as_a_string() -> None:
    metadata = written()
    assert set(REQUIRED_METADATA) <= set(metadata)
    assert all(isinstance(value, str) for value in metadata.values())
    assert json.loads(metadata["training"]) == {"epochs": 2}


def test_round_trip_through_an_onnx_file(tmp_path: Path) -> None:
    weights = np.zeros((FEATURES.n_mels, len(TOKENS)))
    path = build_model(
        tmp_path / "m.onnx", weights=weights, bias=np.zeros(len(TOKENS)), metadata=written()
    )
    info = load_model_info(path)
    assert info == dataclasses.replace(EXPECTED, path=path)


@pytest.mark.parametrize("key", REQUIRED_METADATA)
def test_each_required_key_is_checked(key: str) -> None:
    metadata = written()
    del metadata[key]
    with pytest.raises(ModelError, match=f"metadata lacks {key}"):
        parse_model_info("m.onnx", metadata)
