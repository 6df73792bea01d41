"""Augmentation that imitates real microphones and rooms, plus SpecAugment.

Waveform effects run in numpy inside data-loader workers; SpecAugment runs on the feature batch
with torchaudio's masking. All are cheap enough for a 2-core machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
import torchaudio

from assistant.features import SAMPLE_RATE
from models.errors import TrainingError


@dataclass(frozen=True)
class AugmentConfig:
    """Probabilities and ranges of each effect."""

    pad_prob: float = 0.25
    """Chance of lengthening the quiet before and after the speech, as push-to-talk does (the
    key is pressed before speaking and let go after): with per-utterance normalisation, a model
    that never heard long pauses misreads them (AN4 CER 12 -> 38 % with 1.5 s each side)."""
    pad_range_s: tuple[float, float] = (0.0, 1.2)
    """Seconds of added quiet at each end, drawn separately."""
    speed_prob: float = 0.4
    """Chance of speed perturbation (tempo and pitch together)."""
    speed_range: tuple[float, float] = (0.9, 1.1)
    """Speed factors drawn uniformly."""
    reverb_prob: float = 0.2
    """Chance of convolving with a synthetic room impulse response."""
    rt60_range: tuple[float, float] = (0.15, 0.7)
    """Reverberation time in seconds."""
    noise_prob: float = 0.35
    """Chance of additive noise."""
    snr_range: tuple[float, float] = (5.0, 30.0)
    """Signal-to-noise ratio in dB."""
    babble_share: float = 0.4
    """Share of the added noise that is babble (other utterances talking at once), where the
    caller can supply it; the rest is coloured noise or hum."""
    bandlimit_prob: float = 0.1
    """Chance of a telephone/cheap-microphone band limit (low-pass 3.4-7 kHz, high-pass)."""
    mic_eq_prob: float = 0.3
    """Chance of a random smooth microphone response (a few broad peaks and dips)."""
    mic_eq_db: float = 8.0
    """Largest boost or cut of one peak or dip, in dB."""
    clip_prob: float = 0.05
    """Chance of overdriving the input (peaks 1.5-4x full scale) and clipping hard."""
    gain_range_db: tuple[float, float] = (-20.0, 6.0)
    """Gain in dB; the result is clipped to [-1, 1] like a real ADC."""
    warp_prob: float = 0.4
    """Chance of vocal tract length perturbation: the spectrum is stretched or squeezed along
    frequency, as a longer or shorter vocal tract moves the formants (Jaitly and Hinton, 2013),
    so that the model meets more voices than the corpora hold."""
    warp_range: tuple[float, float] = (0.9, 1.1)
    """Warp factors drawn uniformly (above 1 reads each frequency from higher up)."""
    freq_masks: int = 2
    """SpecAugment frequency masks per utterance."""
    freq_mask_width: int = 15
    """Widest frequency mask, in mel bands."""
    time_masks: int = 2
    """SpecAugment time masks per utterance."""
    time_mask_width: int = 40
    """Widest time mask, in frames."""
    time_mask_max_fraction: float = 0.1
    """Widest time mask as a share of the (padded) utterance: two fixed 0.4 s masks would
    hide most of a one-word command."""


def with_overrides(config: AugmentConfig, overrides: str) -> AugmentConfig:
    """``config`` with the probabilities or amounts in ``overrides`` changed: a comma-separated
    list of ``name=value`` (for example ``"reverb_prob=0.3,noise_prob=0.45"``); ranges are
    given as ``low:high`` (``"snr_range=5:20"``). Raises :class:`TrainingError` on an unknown
    name or a value that does not parse."""
    types = {f.name: type(getattr(config, f.name)) for f in fields(config)}
    changes: dict[str, object] = {}
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in types:
            known = ", ".join(sorted(types))
            raise TrainingError(
                f"augmentation override {item!r}: expected name=value, name one of {known}"
            )
        try:
            if types[name] is tuple:
                low, high = text.split(":")
                changes[name] = (float(low), float(high))
            else:
                changes[name] = types[name](text)
        except ValueError as e:
            raise TrainingError(f"augmentation override {item!r}: bad value {text!r}") from e
    return replace(config, **changes)  # type: ignore[arg-type]


def _fast_size(n: int) -> int:
    return 1 << (n - 1).bit_length()


def _coloured_noise(n: int, rng: np.random.Generator) -> np.ndarray:
    """White, pink or brown noise, or mains hum, of unit RMS."""
    kind = rng.integers(4)
    if kind == 3:
        t = np.arange(n) / SAMPLE_RATE
        base = rng.choice((50.0, 60.0))
        noise = sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6.3)) / k for k in (1, 2, 3))
        noise = noise + 0.3 * rng.standard_normal(n)
    else:
        size = _fast_size(n)
        spectrum = np.fft.rfft(rng.standard_normal(size))
        freqs = np.maximum(np.fft.rfftfreq(size), 1.0 / size)
        spectrum = spectrum / freqs ** (0.5 * kind)  # 0 white, 1 pink, 2 brown
        noise = np.fft.irfft(spectrum, size)[:n]
    noise = np.asarray(noise, dtype=np.float64)
    return (noise / (np.sqrt(np.mean(noise**2)) + 1e-9)).astype(np.float32)


def _room_impulse(rng: np.random.Generator, rt60: float) -> np.ndarray:
    """Exponentially decaying noise: a crude but cheap diffuse room response."""
    n = int(rt60 * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    tail = rng.standard_normal(n) * np.exp(-6.9 * t / rt60)  # -60 dB at rt60
    tail[: int(0.002 * SAMPLE_RATE)] = 0.0
    impulse = np.concatenate([[1.0], tail * rng.uniform(0.1, 0.4)])
    return (impulse / np.sqrt(np.sum(impulse**2))).astype(np.float32)


def _fft_filter(audio: np.ndarray, response: np.ndarray) -> np.ndarray:
    size = _fast_size(audio.size + response.size - 1)
    out = np.fft.irfft(np.fft.rfft(audio, size) * np.fft.rfft(response, size), size)
    return out[: audio.size].astype(np.float32)


def _shape_spectrum(audio: np.ndarray, gain_of: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``audio`` with its spectrum multiplied by ``gain_of(frequencies in Hz)``."""
    size = _fast_size(audio.size)
    freqs = np.fft.rfftfreq(size, 1.0 / SAMPLE_RATE)
    shaped = np.fft.irfft(np.fft.rfft(audio, size) * gain_of(freqs), size)
    return shaped[: audio.size].astype(np.float32)


def _band_limit(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    low_pass = rng.uniform(3400.0, 7000.0)
    high_pass = rng.uniform(50.0, 300.0)
    return _shape_spectrum(
        audio,
        lambda f: 1.0 / (1.0 + (f / low_pass) ** 8) / (1.0 + (high_pass / np.maximum(f, 1.0)) ** 4),
    )


def mic_response(audio: np.ndarray, rng: np.random.Generator, max_db: float = 8.0) -> np.ndarray:
    """``audio`` through a random smooth frequency response: 2-4 broad peaks or dips.

    Cheap microphones and laptop chassis colour speech with resonances a few hundred Hz to a few
    kHz wide; this draws such a response as Gaussian bumps on a log-frequency axis.
    """
    bumps = [  # (centre in octaves from 1 kHz, width in octaves, peak in dB)
        (
            rng.uniform(np.log2(100 / 1000), np.log2(7000 / 1000)),
            rng.uniform(0.3, 1.5),
            rng.uniform(-max_db, max_db),
        )
        for _ in range(int(rng.integers(2, 5)))
    ]

    def gain(freqs: np.ndarray) -> np.ndarray:
        octaves = np.log2(np.maximum(freqs, 20.0) / 1000.0)
        gain_db = sum(db * np.exp(-0.5 * ((octaves - c) / w) ** 2) for c, w, db in bumps)
        return np.asarray(10 ** (np.asarray(gain_db) / 20))

    return _shape_spectrum(audio, gain)


def babble_from(utterances: list[np.ndarray], n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` samples of several of ``utterances`` talking at once, each at a random level and
    offset (a room of people, a television); unit RMS."""
    out = np.zeros(n, np.float32)
    for audio in utterances:
        if audio.size == 0:
            continue
        level = 10 ** (rng.uniform(-6.0, 0.0) / 20) / (float(np.sqrt(np.mean(audio**2))) + 1e-9)
        shifted = np.roll(np.resize(audio, n), int(rng.integers(n)))
        out += (level * shifted).astype(np.float32)
    return (out / (float(np.sqrt(np.mean(out**2))) + 1e-9)).astype(np.float32)


def pad_with_room_tone(
    audio: np.ndarray, lead_s: float, tail_s: float, rng: np.random.Generator
) -> np.ndarray:
    """``audio`` with ``lead_s`` and ``tail_s`` seconds of quiet around it: coloured noise at the
    level of the recording's quietest tenth (its own background)."""
    frames = audio[: audio.size // 160 * 160].reshape(-1, 160)
    level = float(np.percentile(np.sqrt(np.mean(frames**2, axis=1)), 10)) if frames.size else 0.0
    lead, tail = round(lead_s * SAMPLE_RATE), round(tail_s * SAMPLE_RATE)
    tone = _coloured_noise(lead + tail, rng) * level if lead + tail else np.zeros(0, np.float32)
    return np.concatenate([tone[:lead], audio, tone[lead:]]).astype(np.float32)


def add_noise(
    audio: np.ndarray, snr_db: float, rng: np.random.Generator, babble: np.ndarray | None = None
) -> np.ndarray:
    """``audio`` plus coloured noise (or the given ``babble``) at ``snr_db`` dB SNR."""
    if babble is not None:
        noise = np.resize(babble, audio.size).astype(np.float32)
        noise /= float(np.sqrt(np.mean(noise**2))) + 1e-9
    else:
        noise = _coloured_noise(audio.size, rng)
    signal_rms = float(np.sqrt(np.mean(audio**2))) + 1e-9
    return (audio + noise * signal_rms / 10 ** (snr_db / 20)).astype(np.float32)


def reverberate(audio: np.ndarray, rt60: float, rng: np.random.Generator) -> np.ndarray:
    """``audio`` in a synthetic room with reverberation time ``rt60`` seconds."""
    return _fft_filter(audio, _room_impulse(rng, rt60))


BabbleSource = Callable[[int, np.random.Generator], "np.ndarray | None"]
"""Gives ``n`` samples of babble (or None when it has none yet)."""


def augment_waveform(
    audio: np.ndarray,
    rng: np.random.Generator,
    config: AugmentConfig = AugmentConfig(),
    babble: BabbleSource | None = None,
) -> np.ndarray:
    """A randomly degraded copy of 16 kHz mono float32 ``audio``.

    The chain follows the signal path: the talker's speed, the room, the microphone's response
    and band, the background (babble from ``babble`` where given, else coloured noise or hum),
    then the input gain, overdriven and clipped now and then. First, now and then, longer
    pauses before and after the speech.
    """
    if rng.random() < config.pad_prob:
        lead, tail = (rng.uniform(*config.pad_range_s) for _ in range(2))
        audio = pad_with_room_tone(audio, lead, tail, rng)
    if rng.random() < config.speed_prob:
        # linear interpolation: for factors near 1 its aliasing is far below the noise added
        # next, and it costs a twentieth of the sinc resampler
        speed = rng.uniform(*config.speed_range)
        positions = np.arange(0.0, audio.size - 1, speed)
        audio = np.interp(positions, np.arange(audio.size), audio).astype(np.float32)
    if rng.random() < config.reverb_prob:
        audio = reverberate(audio, rng.uniform(*config.rt60_range), rng)
    if rng.random() < config.mic_eq_prob:
        audio = mic_response(audio, rng, config.mic_eq_db)
    if rng.random() < config.bandlimit_prob:
        audio = _band_limit(audio, rng)
    if rng.random() < config.noise_prob:
        background = None
        if babble is not None and rng.random() < config.babble_share:
            background = babble(audio.size, rng)
        audio = add_noise(audio, rng.uniform(*config.snr_range), rng, babble=background)
    peak = float(np.max(np.abs(audio))) + 1e-9
    if rng.random() < config.clip_prob:
        gain = rng.uniform(1.5, 4.0) / peak
    else:
        gain = 10 ** (rng.uniform(*config.gain_range_db) / 20) * 0.5 / peak
    return np.clip(audio * gain, -1.0, 1.0).astype(np.float32)


def warped_filterbank(filterbank: np.ndarray, alpha: float) -> np.ndarray:
    """``filterbank`` (frequency bins, bands) applied to a spectrum warped by ``alpha``.

    The warp is VTLP's piecewise-linear one: frequency ``f`` reads the spectrum at ``alpha * f``
    up to a knee, then a straight line that keeps the Nyquist frequency in place, so no band
    reads beyond the spectrum. Warping the filters instead of the spectrum costs one small
    matrix product per utterance.
    """
    n_bins = filterbank.shape[0]
    nyquist = float(n_bins - 1)
    knee = 0.8 * nyquist * min(alpha, 1.0) / alpha
    bins = np.arange(n_bins, dtype=np.float64)
    source = np.where(
        bins <= knee,
        bins * alpha,
        knee * alpha + (bins - knee) * (nyquist - knee * alpha) / (nyquist - knee),
    )
    # warped spectrum[k] = spectrum[source[k]], linearly interpolated: a (bins, bins) matrix
    low = np.clip(np.floor(source).astype(int), 0, n_bins - 2)
    frac = source - low
    columns = np.arange(n_bins)
    interpolate = np.zeros((n_bins, n_bins), np.float32)
    interpolate[low, columns] = 1.0 - frac
    interpolate[low + 1, columns] = frac
    warped: np.ndarray = interpolate @ filterbank
    return warped.astype(np.float32)


class SpecAugment(torch.nn.Module):
    """Frequency and time masking of a (batch, frames, n_mels) feature batch."""

    def __init__(self, config: AugmentConfig = AugmentConfig()) -> None:
        super().__init__()
        self.config = config
        self.freq_mask = torchaudio.transforms.FrequencyMasking(
            config.freq_mask_width, iid_masks=True
        )
        self.time_mask = torchaudio.transforms.TimeMasking(
            config.time_mask_width, iid_masks=True, p=config.time_mask_max_fraction
        )

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        """Masked copy of ``features``; masked values are 0 (the normalised mean)."""
        x = features.transpose(1, 2).unsqueeze(1)  # (batch, 1, n_mels, frames)
        for _ in range(self.config.freq_masks):
            x = self.freq_mask(x)
        for _ in range(self.config.time_masks):
            x = self.time_mask(x)
        return x.squeeze(1).transpose(1, 2)
