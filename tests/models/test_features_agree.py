"""The numpy log-mel front end agrees with torchaudio (one front end, checked both ways)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchaudio

from assistant.features import (
    FeatureConfig,
    log_mel,
    mel_filterbank,
    mel_power,
    normalize_features,
    num_frames,
)


@pytest.fixture(scope="module")
def noise_1_3s() -> np.ndarray:
    """1.3 s of 16 kHz float32 audio: a chirp plus white noise."""
    rng = np.random.default_rng(7)
    t = np.arange(20800) / 16000
    chirp = np.sin(2 * np.pi * (200 + 1500 * t) * t)
    return (0.4 * chirp + 0.1 * rng.standard_normal(t.size)).astype(np.float32)


@pytest.mark.parametrize(
    "config",
    [
        FeatureConfig(),
        FeatureConfig(n_fft=512, n_mels=40, f_min=0.0, f_max=8000.0),
        FeatureConfig(sample_rate=8000, n_fft=256, n_mels=23, f_min=60.0, f_max=3800.0),
    ],
    ids=["default", "512-40", "8k"],
)
def torchaudio_filterbank(config: FeatureConfig, dtype: torch.dtype) -> np.ndarray:
    """torchaudio's HTK filterbank for ``config``, computed in ``dtype``.

    melscale_fbanks builds its frequency grids with ``torch.linspace`` in the default dtype, so
    the default dtype sets its precision.
    """
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        return torchaudio.functional.melscale_fbanks(
            config.n_fft // 2 + 1,
            config.f_min,
            config.f_max,
            config.n_mels,
            config.sample_rate,
            norm=None,
            mel_scale="htk",
        ).numpy()
    finally:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize(
    "config",
    [
        FeatureConfig(),
        FeatureConfig(n_fft=512, n_mels=40, f_min=0.0, f_max=8000.0),
        FeatureConfig(sample_rate=8000, n_fft=256, n_mels=23, f_min=60.0, f_max=3800.0),
    ],
    ids=["default", "512-40", "8k"],
)
def test_mel_filterbank_equals_torchaudio(config: FeatureConfig) -> None:
    ours = mel_filterbank(config)
    assert ours.shape == (config.n_fft // 2 + 1, config.n_mels)
    assert ours.dtype == np.float32
    # ours computes the grids in float64 and rounds once at the end: equal to torchaudio's
    # float64 computation to float32 precision ...
    np.testing.assert_allclose(ours, torchaudio_filterbank(config, torch.float64), atol=1e-6)
    # ... and within float32 grid rounding (mel -> Hz near 8 kHz) of its float32 default
    np.testing.assert_allclose(ours, torchaudio_filterbank(config, torch.float32), atol=2e-5)


def test_mel_power_equals_torchaudio_melspectrogram(noise_1_3s: np.ndarray) -> None:
    transform = torchaudio.transforms.MelSpectrogram(
        sample_rate=16000,
        n_fft=400,
        hop_length=160,
        f_min=20,
        f_max=8000,
        n_mels=80,
        power=2.0,
        center=True,
        pad_mode="constant",
        norm=None,
        mel_scale="htk",
    )
    expected = transform(torch.from_numpy(noise_1_3s)).numpy().T  # (frames, n_mels)
    ours = mel_power(noise_1_3s)
    assert ours.shape == expected.shape == (131, 80)
    assert ours.dtype == np.float32
    scale = float(expected.max())
    assert scale > 0.0
    np.testing.assert_allclose(ours / scale, expected / scale, atol=1e-3)
    # the log domain, which the model sees, agrees too wherever there is energy
    floor = FeatureConfig().log_floor
    np.testing.assert_allclose(np.log(ours + floor), np.log(expected + floor), atol=2e-2)


@pytest.mark.parametrize("samples", [1, 159, 160, 161, 400, 16000, 20800])
def test_num_frames_matches_frame_count(samples: int) -> None:
    audio = np.random.default_rng(samples).uniform(-0.5, 0.5, samples).astype(np.float32)
    assert mel_power(audio).shape[0] == num_frames(samples) == 1 + samples // 160
    assert log_mel(audio).shape == (num_frames(samples), 80)


def test_normalised_log_mel_has_zero_mean_unit_std(noise_1_3s: np.ndarray) -> None:
    features = log_mel(noise_1_3s)
    assert features.dtype == np.float32
    np.testing.assert_allclose(features.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(features.std(axis=0), 1.0, atol=1e-3)


def test_unnormalised_log_mel_is_log_of_mel_power(noise_1_3s: np.ndarray) -> None:
    config = FeatureConfig(normalize=False)
    np.testing.assert_allclose(
        log_mel(noise_1_3s, config), np.log(mel_power(noise_1_3s, config) + 1e-6), rtol=1e-6
    )
    np.testing.assert_allclose(
        normalize_features(log_mel(noise_1_3s, config)), log_mel(noise_1_3s), atol=1e-5
    )


def test_mel_power_rejects_stereo_and_empty() -> None:
    with pytest.raises(ValueError, match="mono"):
        mel_power(np.zeros((100, 2), np.float32))
    with pytest.raises(ValueError, match="empty"):
        mel_power(np.zeros(0, np.float32))


def test_feature_config_round_trips_through_strings() -> None:
    config = FeatureConfig(n_mels=40, f_min=0.0, normalize=False)
    as_strings = {k: str(v) for k, v in config.to_dict().items()}
    assert FeatureConfig.from_dict(as_strings) == config
    assert FeatureConfig.from_dict(config.to_dict()) == config
