"""Check an exported model against PyTorch on several lengths and batch shapes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from export.errors import VerificationError
from models.model import AcousticModel

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class VerifyResult:
    """Largest differences found between onnxruntime and PyTorch."""

    max_abs_diff: float
    """Largest absolute difference of log-probs over valid frames."""
    greedy_agreement: float
    """Share of valid frames whose argmax token agrees."""
    cases: int
    """Batches compared."""


def verify_onnx(
    model: AcousticModel,
    path: Path,
    tolerance: float = 1e-3,
    lengths: tuple[int, ...] = (1, 17, 100, 301, 1000),
    seed: int = 0,
) -> VerifyResult:
    """Compare ``path`` with ``model`` on random features; raises VerificationError on mismatch.

    Each length is run alone, and all lengths together as one padded batch, so that reading
    padding would show.
    """
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    generator = torch.Generator().manual_seed(seed)
    n_mels = model.config.n_mels
    batches = [[n] for n in lengths] + [list(lengths)]
    worst, agree, total = 0.0, 0, 0
    model.eval()
    for batch_lengths in batches:
        t = torch.tensor(batch_lengths, dtype=torch.int64)
        features = torch.randn(len(batch_lengths), max(batch_lengths), n_mels, generator=generator)
        with torch.inference_mode():
            expected, expected_lengths = model(features, t)
        got, got_lengths = session.run(None, {"features": features.numpy(), "lengths": t.numpy()})
        if not np.array_equal(got_lengths, expected_lengths.numpy()):
            raise VerificationError(
                f"{path}: output lengths {got_lengths} != PyTorch "
                f"{expected_lengths.tolist()} for inputs {batch_lengths}"
            )
        for i, n in enumerate(expected_lengths.tolist()):
            want = expected[i, :n].numpy()
            diff = float(np.abs(got[i, :n] - want).max())
            worst = max(worst, diff)
            agree += int((got[i, :n].argmax(-1) == want.argmax(-1)).sum())
            total += n
            if diff > tolerance:
                raise VerificationError(
                    f"{path}: onnxruntime differs from PyTorch by {diff:.2e} (> {tolerance:.0e}) "
                    f"on item {i} of a batch of lengths {batch_lengths}"
                )
    result = VerifyResult(worst, agree / max(1, total), len(batches))
    _LOGGER.info(
        "verified %s: max |diff| %.2e, argmax agreement %.4f over %d batches",
        path,
        result.max_abs_diff,
        result.greedy_agreement,
        result.cases,
    )
    return result
