"""Band-limited resampling in numpy (windowed sinc), used by the runtime and by data tools.

:func:`resample` converts a whole signal; :class:`StreamResampler` converts it block by block
(live audio) with the same kernels, so both give the same samples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_HALF_WIDTH = 16  # zero crossings of the sinc on each side of a sample
_BLOCK = 1 << 14  # output samples computed at once; bounds memory on long files


@dataclass(frozen=True)
class _Kernels:
    up: int
    """Output samples per ``down`` input samples (the reduced rate ratio)."""
    down: int
    half_width: int
    """Input samples on each side of an output sample that the kernel reads."""
    taps: np.ndarray
    """int64 (2 * half_width + 1,): input offsets around the base sample."""
    kernels: np.ndarray
    """float32 (up, 2 * half_width + 1): one kernel per fractional phase."""


def _kernels(orig_rate: int, new_rate: int) -> _Kernels:
    if orig_rate <= 0 or new_rate <= 0:
        raise ValueError(f"sample rates must be positive, got {orig_rate} -> {new_rate}")
    gcd = math.gcd(orig_rate, new_rate)
    up, down = new_rate // gcd, orig_rate // gcd
    cutoff = min(1.0, new_rate / orig_rate) * 0.97  # fraction of the input Nyquist frequency
    half_width = math.ceil(_HALF_WIDTH / cutoff)
    taps = np.arange(-half_width, half_width + 1)
    # The fractional offset of an output sample takes only `up` distinct values: one kernel each.
    phases = np.arange(up)[:, None] / up
    offset = taps[None, :] - phases
    beta = 8.0
    window = np.i0(beta * np.sqrt(np.clip(1.0 - (offset / (half_width + 1)) ** 2, 0.0, 1.0)))
    kernels = (cutoff * np.sinc(cutoff * offset) * window / np.i0(beta)).astype(np.float32)
    return _Kernels(up, down, half_width, taps, kernels)


def _interpolate(padded: np.ndarray, k: _Kernels, n: np.ndarray, first: int) -> np.ndarray:
    """Output samples ``n`` from ``padded``, whose index 0 is input sample ``first``."""
    base = (n * k.down) // k.up
    phase = n * k.down - base * k.up
    index = base[:, None] + k.taps[None, :] - first
    return np.einsum("ij,ij->i", padded[index], k.kernels[phase]).astype(np.float32)


def resample(audio: np.ndarray, orig_rate: int, new_rate: int) -> np.ndarray:
    """Resample mono float ``audio`` from ``orig_rate`` to ``new_rate`` Hz; returns float32.

    Each output sample is a Kaiser-windowed sinc interpolation of the input; when lowering the
    rate the sinc is widened so it also low-passes below the new Nyquist frequency.
    """
    k = _kernels(orig_rate, new_rate)
    audio = np.asarray(audio, dtype=np.float32)
    if orig_rate == new_rate or audio.size == 0:
        return audio.copy()
    n_out = math.ceil(audio.size * new_rate / orig_rate)
    padded = np.pad(audio, (k.half_width, k.half_width + 1))
    out = np.empty(n_out, dtype=np.float32)
    for start in range(0, n_out, _BLOCK):
        n = np.arange(start, min(start + _BLOCK, n_out))
        out[start : start + n.size] = _interpolate(padded, k, n, -k.half_width)
    return out


class StreamResampler:
    """Resamples a stream block by block; the concatenated output equals :func:`resample`.

    An output sample is produced once the input it reads has arrived, so the output lags the
    input by the kernel's half width (about 1 ms). :meth:`flush` ends the stream.
    """

    def __init__(self, orig_rate: int, new_rate: int) -> None:
        """Convert from ``orig_rate`` to ``new_rate`` Hz (both positive)."""
        self.orig_rate = orig_rate
        self.new_rate = new_rate
        self._k = _kernels(orig_rate, new_rate)
        self.reset()

    def reset(self) -> None:
        """Forget the stream so far; the next block starts a new one."""
        # Input samples before the stream are zeros, as in resample()'s padding.
        self._buffer = np.zeros(self._k.half_width, dtype=np.float32)
        self._first = -self._k.half_width  # input index of _buffer[0]
        self._received = 0  # input samples so far
        self._next = 0  # index of the next output sample

    def process(self, block: np.ndarray) -> np.ndarray:
        """Output float32 samples made available by one more mono input ``block``."""
        block = np.asarray(block, dtype=np.float32).reshape(-1)
        if self.orig_rate == self.new_rate:
            return block.copy()
        self._buffer = np.concatenate([self._buffer, block])
        self._received += block.size
        # output n reads input up to (n * down) // up + half_width, which must have arrived
        k = self._k
        ready = ((self._received - k.half_width) * k.up + k.down - 1) // k.down
        return self._produce(ready)

    def flush(self) -> np.ndarray:
        """The remaining output samples at the end of the stream; then :meth:`reset`."""
        if self.orig_rate == self.new_rate:
            return np.zeros(0, dtype=np.float32)
        k = self._k
        total_out = math.ceil(self._received * k.up / k.down)
        self._buffer = np.concatenate([self._buffer, np.zeros(k.half_width + 1, np.float32)])
        out = self._produce(total_out)
        self.reset()
        return out

    def _produce(self, total_out: int) -> np.ndarray:
        """Output samples up to (excluding) index ``total_out``."""
        k = self._k
        n = np.arange(self._next, max(total_out, self._next))
        out = _interpolate(self._buffer, k, n, self._first) if n.size else np.zeros(0, np.float32)
        self._next += n.size
        keep_from = (self._next * k.down) // k.up - k.half_width
        if keep_from > self._first:
            self._buffer = self._buffer[keep_from - self._first :]
            self._first = keep_from
        return out
