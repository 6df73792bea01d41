"""The runtime must import without torch, torchaudio, onnx or the training packages."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("torch", "torchaudio", "onnx", "models", "export")
RUNTIME_MODULES = (
    "assistant",
    "assistant.cli",
    "assistant.recognizer",
    "assistant.audio.files",
    "assistant.decoding.greedy",
)


def test_runtime_imports_no_torch() -> None:
    code = (
        f"import sys, {', '.join(RUNTIME_MODULES)}; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
