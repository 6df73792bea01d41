"""Band-limited resampling in numpy (windowed sinc), used by the runtime and by data tools."""

from __future__ import annotations

import math

import numpy as np

_HALF_WIDTH = 16  # zero crossings of the sinc on each side of a sample
_BLOCK = 1 << 14  # output samples computed at once; bounds memory on long files


def resample(audio: np.ndarray, orig_rate: int, new_rate: int) -> np.ndarray:
    """Resample mono float ``audio`` from ``orig_rate`` to ``new_rate`` Hz; returns float32.

    Each output sample is a Kaiser-windowed sinc interpolation of the input; when lowering the
    rate the sinc is widened so it also low-passes below the new Nyquist frequency.
    """
    if orig_rate <= 0 or new_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {orig_rate} -> {new_rate}")
    audio = np.asarray(audio, dtype=np.float32)
    if orig_rate == new_rate or audio.size == 0:
        return audio.copy()
    gcd = math.gcd(orig_rate, new_rate)
    up, down = new_rate // gcd, orig_rate // gcd
    cutoff = min(1.0, new_rate / orig_rate) * 0.97  # fraction of the input Nyquist frequency
    half_width = math.ceil(_HALF_WIDTH / cutoff)
    n_out = math.ceil(audio.size * new_rate / orig_rate)
    taps = np.arange(-half_width, half_width + 1)
    # The fractional offset of an output sample takes only `up` distinct values: one kernel each.
    phases = np.arange(up)[:, None] / up
    offset = taps[None, :] - phases
    beta = 8.0
    window = np.i0(beta * np.sqrt(np.clip(1.0 - (offset / (half_width + 1)) ** 2, 0.0, 1.0)))
    kernels = (cutoff * np.sinc(cutoff * offset) * window / np.i0(beta)).astype(np.float32)
    padded = np.pad(audio, (half_width, half_width + 1))
    out = np.empty(n_out, dtype=np.float32)
    for start in range(0, n_out, _BLOCK):
        n = np.arange(start, min(start + _BLOCK, n_out))
        base = (n * down) // up
        phase = n * down - base * up
        index = base[:, None] + taps[None, :] + half_width
        out[start : start + n.size] = np.einsum("ij,ij->i", padded[index], kernels[phase])
    return out
