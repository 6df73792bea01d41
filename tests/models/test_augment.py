"""Waveform augmentation and SpecAugment."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from assistant.features import FeatureConfig, log_mel, mel_filterbank
from models.augment import (
    AugmentConfig,
    SpecAugment,
    augment_waveform,
    babble_from,
    mic_response,
    pad_with_room_tone,
    warped_filterbank,
    with_overrides,
)
from models.errors import TrainingError

NOTHING = AugmentConfig(
    pad_prob=0.0,
    speed_prob=0.0,
    reverb_prob=0.0,
    noise_prob=0.0,
    bandlimit_prob=0.0,
    mic_eq_prob=0.0,
    clip_prob=0.0,
    gain_range_db=(0.0, 0.0),
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
    # loud: clipping must hold it in range
    config = AugmentConfig(pad_prob=0.0, gain_range_db=(0.0, 12.0))
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
        pad_prob=0.0,
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
        pad_prob=0.0,
        speed_prob=0.0,
        reverb_prob=0.0,
        bandlimit_prob=0.0,
        mic_eq_prob=0.0,
        clip_prob=0.0,
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


def band_db(audio: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio)) ** 2
    freqs = np.fft.rfftfreq(audio.size, 1 / 16000)
    return float(10 * np.log10(spectrum[(freqs >= low) & (freqs < high)].sum() + 1e-12))


@pytest.mark.parametrize("seed", range(6))
def test_mic_response_colours_bands_within_its_limit(seed: int) -> None:
    noise = np.random.default_rng(100 + seed).standard_normal(32000).astype(np.float32)
    out = mic_response(noise, np.random.default_rng(seed), max_db=8.0)
    assert out.shape == noise.shape and out.dtype == np.float32
    changes = [
        band_db(out, low, low * 1.25) - band_db(noise, low, low * 1.25)
        for low in (200, 500, 1000, 2000, 4000)
    ]
    # up to four overlapping bumps of at most 8 dB each; some band must move audibly
    assert all(abs(c) < 4 * 8.0 for c in changes)
    assert max(abs(c) for c in changes) > 0.5


def test_babble_is_unit_rms_and_mixes_every_talker() -> None:
    rng = np.random.default_rng(0)
    talkers = [voiced(0.5), 0.01 * voiced(0.7), voiced(0.3)[::-1].copy()]
    out = babble_from(talkers, 12000, rng)
    assert out.shape == (12000,) and out.dtype == np.float32
    assert math.isclose(float(np.sqrt(np.mean(out**2))), 1.0, rel_tol=1e-3)
    # the quiet talker was brought to a comparable level, not drowned
    solo = babble_from([talkers[1]], 12000, np.random.default_rng(1))
    assert math.isclose(float(np.sqrt(np.mean(solo**2))), 1.0, rel_tol=1e-3)
    assert babble_from([], 100, rng).shape == (100,)


def test_babble_source_is_used_at_the_configured_snr() -> None:
    calls: list[int] = []
    t = np.arange(48000) / 16000
    talk = (np.sin(2 * np.pi * 1234 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32)

    def babble(n: int, rng: np.random.Generator) -> np.ndarray:
        calls.append(n)
        return babble_from([talk], n, rng)

    config = replace(NOTHING, noise_prob=1.0, babble_share=1.0, snr_range=(10.0, 10.0))
    audio = voiced()
    out = augment_waveform(audio, np.random.default_rng(0), config, babble=babble)
    assert calls == [audio.size]
    scale = float(np.dot(out, audio) / np.dot(audio, audio))  # out = scale * (audio + babble)
    residual = out / scale - audio
    snr = 20 * math.log10(np.sqrt(np.mean(audio**2)) / np.sqrt(np.mean(residual**2)))
    assert abs(snr - 10.0) < 0.5
    # a source with nothing yet falls back to coloured noise
    calls.clear()
    fallback = augment_waveform(audio, np.random.default_rng(0), config, babble=lambda n, r: None)
    assert fallback.shape == audio.shape and not np.allclose(fallback, out)


def test_clipping_overdrives_to_full_scale() -> None:
    config = replace(NOTHING, clip_prob=1.0)
    out = augment_waveform(voiced(), np.random.default_rng(3), config)
    assert float(np.max(np.abs(out))) == 1.0
    assert int(np.sum(np.abs(out) >= 1.0)) > 10  # flat tops, not a single touching peak


def test_pauses_are_added_at_the_recording_background_level() -> None:
    rng = np.random.default_rng(0)
    background = 0.01 * rng.standard_normal(8000).astype(np.float32)
    audio = np.concatenate([background, voiced(), background])
    out = pad_with_room_tone(audio, 0.5, 1.25, rng)
    assert out.size == audio.size + 8000 + 20000
    np.testing.assert_array_equal(out[8000 : 8000 + audio.size], audio)
    lead, tail = out[:8000], out[-20000:]
    for pause in (lead, tail):
        assert float(np.sqrt(np.mean(pause**2))) == pytest.approx(0.01, rel=0.3)


def test_augment_pads_when_asked() -> None:
    config = replace(NOTHING, pad_prob=1.0, pad_range_s=(1.0, 1.0))
    out = augment_waveform(voiced(), np.random.default_rng(0), config)
    assert out.size == 16000 + 2 * 16000


def test_unwarped_filterbank_is_the_plain_one() -> None:
    bank = mel_filterbank(FeatureConfig())
    np.testing.assert_allclose(warped_filterbank(bank, 1.0), bank, atol=1e-6)


@pytest.mark.parametrize(("alpha", "moves"), [(1.1, -1), (0.9, 1)])
def test_vocal_tract_warp_moves_a_tone_across_bands(alpha: float, moves: int) -> None:
    """A warp above 1 reads each frequency from higher up, so a 1 kHz tone lands lower."""
    config = FeatureConfig(normalize=False)
    t = np.arange(16000) / 16000
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    bank = mel_filterbank(config)
    plain = int(np.argmax(log_mel(tone, config).mean(axis=0)))
    warped = int(np.argmax(log_mel(tone, config, warped_filterbank(bank, alpha)).mean(axis=0)))
    frequency = 1000 / alpha
    hz = np.linspace(0, 8000, bank.shape[0])
    expected = int(np.argmax(bank[int(np.argmin(np.abs(hz - frequency)))]))
    assert np.sign(warped - plain) == moves
    assert abs(warped - expected) <= 1
    assert (warped_filterbank(bank, alpha) >= 0).all()


def test_overrides_change_named_fields_only() -> None:
    changed = with_overrides(AugmentConfig(), "reverb_prob=0.3, noise_prob=0.45,snr_range=5:20")
    assert changed.reverb_prob == 0.3
    assert changed.noise_prob == 0.45
    assert changed.snr_range == (5.0, 20.0)
    assert (
        replace(changed, reverb_prob=0.2, noise_prob=0.35, snr_range=(5.0, 30.0)) == AugmentConfig()
    )
    assert with_overrides(AugmentConfig(), "") == AugmentConfig()
    assert with_overrides(AugmentConfig(), "freq_masks=3").freq_masks == 3


@pytest.mark.parametrize("bad", ["reverb=0.3", "noise_prob", "noise_prob=lots", "snr_range=5"])
def test_overrides_reject_unknown_names_and_bad_values(bad: str) -> None:
    with pytest.raises(TrainingError, match="augmentation override"):
        with_overrides(AugmentConfig(), bad)
