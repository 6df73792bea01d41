"""Model files that cannot be used: each is refused with a message naming the problem.

Missing, truncated, text, mismatched metadata and wrong output size are covered for the
Recognizer in tests/assistant/test_recognizer.py; this adds empty files, folders and the
``recognize`` command's view (exit status 2, one line on stderr).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main
from assistant.errors import ModelError
from assistant.recognizer import Recognizer

WavWriter = Callable[..., Path]
"""The ``write_wav`` fixture (tests/reliability/conftest.py)."""


def test_zero_byte_model(tmp_path: Path) -> None:
    path = tmp_path / "empty.onnx"
    path.write_bytes(b"")
    with pytest.raises(ModelError, match=r"empty\.onnx: not a readable ONNX model"):
        Recognizer(path)


def test_folder_instead_of_a_model(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r": no such model file"):
        Recognizer(tmp_path)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "no such model file"),
        ("truncated", "not a readable ONNX model"),
        ("vocabulary", "the model has 3 tokens, this runtime has 29"),
        ("sample_rate", "sample_rate is 8000 Hz, this runtime uses 16000 Hz"),
    ],
)
def test_recognize_refuses_a_bad_model_with_status_2(
    make_model,  # type: ignore[no-untyped-def]
    write_wav: WavWriter,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    message: str,
) -> None:
    if kind == "missing":
        model = make_model().with_name("absent.onnx")
    elif kind == "truncated":
        model = make_model()
        model.write_bytes(model.read_bytes()[:500])
    elif kind == "vocabulary":
        model = make_model(overrides={"vocabulary": json.dumps(["<blank>", " ", "a"])})
    else:
        model = make_model(overrides={"sample_rate": "8000"})
    audio = write_wav("one.wav", np.zeros(8000))
    assert main(["recognize", "--model", str(model), str(audio)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"assistant: cannot load the model: {model}: ")
    assert message in captured.err
    assert captured.err.count("\n") == 1
