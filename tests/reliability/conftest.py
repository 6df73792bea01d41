"""Fixtures of the reliability tests: small models with a known output and WAV writers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.vocabulary import BLANK_ID, TOKENS

WavWriter = Callable[..., Path]


@pytest.fixture
def says_nothing(make_model) -> Path:  # type: ignore[no-untyped-def]
    """A model that always outputs blank: every utterance sounds like silence."""
    bias = np.zeros(len(TOKENS))
    bias[BLANK_ID] = 20.0
    return make_model("blank.onnx", weights=np.zeros((80, len(TOKENS))), bias=bias)


@pytest.fixture
def write_wav(tmp_path: Path) -> WavWriter:
    """Writes ``signal`` (float, in [-1, 1] unless FLOAT) to tmp_path/name at ``rate`` Hz."""

    def write(name: str, signal: np.ndarray, rate: int = 16000, subtype: str = "PCM_16") -> Path:
        path = tmp_path / name
        sf.write(str(path), signal, rate, subtype=subtype)
        return path

    return write
