"""Waveform augmentation and SpecAugment."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from models.augment import AugmentConfig, SpecAugment, augment_waveform

NOTHING = AugmentConfig(
    speed_prob=0.0, reverb_prob=0.0, noise_prob=0.0, bandlimit_prob=0.0, gain_range_db=(0.0, 0.0)
)
"""Every random effect off: only the gain to a 0.5 peak remains."""


def voiced(seconds: float = 1.0) -> np.ndarray:
    """A 16 kHz float32 vowel-like signal: 150 Hz harmonics under a slow envelope."""
    t = np.arange(int(16000 * seconds)) / 16000
    harmonics = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in range(1, 8))
    return (0.3 * np.sin(np.pi * t / seconds) * harmonics).astype(np.float32)


@pytest.mark.parametrize("seed", range(12))
def test_augment_keeps_dtype_range_and_length(seed: int) -> None:
    audio = voiced()
    config = AugmentConfig(gain_range_db=(0.0, 12.0))  # loud: clipping must hold it in range
    out = augment_waveform(audio, np.random.default_rng(seed), config)
    assert out.dtype == np.float32
    assert out.ndim == 1
    assert float(np.max(np.abs(out))) <= 1.0
    assert np.all(np.isfinite(out))
    low, high = config.speed_range
    assert audio.size / high - 2 <= out.size <= audio.size / low + 2


def test_speed_changes_length_by_the_factor() -> None:
    audio = voiced()
    config = AugmentConfig(
        speed_prob=1.0,
        speed_range=(1.25, 1.25),
        reverb_prob=0.0,
        noise_prob=0.0,
        bandlimit_prob=0.0,
    )
    out = augment_waveform(audio, np.random.default_rng(0), config)
    assert out.size == math.ceil((audio.size - 1) / 1.25)


def test_no_effects_only_scales_to_half_peak() -> None:
    audio = voiced()
    out = augment_waveform(audio, np.random.default_rng(0), NOTHING)
    assert float(np.max(np.abs(out))) == pytest.approx(0.5, abs=1e-6)
    np.testing.assert_allclose(out, audio * (0.5 / np.max(np.abs(audio))), atol=1e-6)


@pytest.mark.parametrize(("seed", "snr_db"), [(0, 5.0), (1, 10.0), (2, 20.0), (3, 10.0), (4, 15.0)])
def test_noise_has_the_configured_snr(seed: int, snr_db: float) -> None:
    audio = voiced().astype(np.float64)
    config = AugmentConfig(
        speed_prob=0.0,
        reverb_prob=0.0,
        bandlimit_prob=0.0,
        noise_prob=1.0,
        snr_range=(snr_db, snr_db),
        gain_range_db=(0.0, 0.0),
    )
    out = augment_waveform(audio.astype(np.float32), np.random.default_rng(seed), config)
    assert float(np.max(np.abs(out))) == pytest.approx(0.5, abs=1e-6)  # not clipped
    # out = gain * (audio + noise): the least-squares gain recovers the noise
    gain = float(out @ audio / (audio @ audio))
    noise = out / gain - audio
    measured = 10 * math.log10(float(audio @ audio) / float(noise @ noise))
    assert measured == pytest.approx(snr_db, abs=1.5)


def test_spec_augment_masks_whole_bands_and_frames() -> None:
    torch.manual_seed(0)
    features = torch.rand(4, 200, 80) + 1.0  # no zeros before masking
    masked = SpecAugment(AugmentConfig())(features)
    assert masked.shape == features.shape
    zeros = masked == 0
    assert int(zeros.sum()) > 0
    for item in range(4):
        z = zeros[item]
        full_bands = z.all(dim=0)  # (n_mels,)
        full_frames = z.all(dim=1)  # (frames,)
        # every masked value lies in a masked mel band or a masked frame
        assert bool((z <= full_bands[None, :] | full_frames[:, None]).all())
        assert int(full_bands.sum()) <= 2 * 15
        assert int(full_frames.sum()) <= 2 * 40
    # values that were not masked are unchanged
    torch.testing.assert_close(masked[~zeros], features[~zeros])


def test_spec_augment_without_masks_is_identity() -> None:
    features = torch.randn(2, 50, 80)
    same = SpecAugment(AugmentConfig(freq_masks=0, time_masks=0))(features)
    torch.testing.assert_close(same, features)
