"""Energy endpointing on synthetic signals: start after speech, end after silence."""

from __future__ import annotations

import numpy as np

from assistant.audio.endpoint import (
    EndpointConfig,
    EndpointDetector,
    EndpointEvent,
    trim_pauses,
)

RATE = 16000


def noise(seconds: float, dbfs: float, seed: int = 0) -> np.ndarray:
    """White noise at an RMS of ``dbfs``."""
    rms = 10 ** (dbfs / 20)
    return (rms * np.random.default_rng(seed).standard_normal(int(RATE * seconds))).astype(
        np.float32
    )


def tone(seconds: float, dbfs: float) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (10 ** (dbfs / 20) * np.sqrt(2) * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


def events(detector: EndpointDetector, audio: np.ndarray, block: int = 480) -> list[tuple]:
    """(event, time in ms at the end of its block) for every non-NONE event."""
    found = []
    for start in range(0, audio.size, block):
        event = detector.update(audio[start : start + block])
        if event is not EndpointEvent.NONE:
            found.append((event, (start + block) * 1000 // RATE))
    return found


def test_speech_between_silences_starts_and_ends_once() -> None:
    audio = np.concatenate(
        [noise(0.5, -60), tone(0.6, -20) + noise(0.6, -60, 1), noise(1.0, -60, 2)]
    )
    detector = EndpointDetector(EndpointConfig(min_speech_ms=100, silence_ms=500))
    found = events(detector, audio)
    assert [e for e, _ in found] == [EndpointEvent.SPEECH_START, EndpointEvent.SPEECH_END]
    start_ms, end_ms = found[0][1], found[1][1]
    assert 600 <= start_ms <= 640  # speech at 500 ms + 100 ms, within one block
    assert 1600 <= end_ms <= 1640  # speech ends at 1100 ms + 500 ms of silence


def test_steady_noise_is_never_speech_and_sets_the_floor() -> None:
    detector = EndpointDetector()  # the first 300 ms measure the floor
    assert events(detector, noise(2.0, -45)) == []
    assert -47 < detector.noise_dbfs < -43


def test_short_click_does_not_start_an_utterance() -> None:
    audio = np.concatenate([noise(0.3, -60), tone(0.05, -10), noise(0.5, -60)])
    assert events(EndpointDetector(EndpointConfig(min_speech_ms=100)), audio) == []


def test_length_limit_ends_an_utterance_and_reset_forgets_it() -> None:
    detector = EndpointDetector(EndpointConfig(max_utterance_ms=400))
    found = events(detector, np.concatenate([noise(0.2, -60), tone(1.0, -20)]))
    assert [e for e, _ in found][:2] == [EndpointEvent.SPEECH_START, EndpointEvent.SPEECH_END]
    assert found[1][1] - found[0][1] <= 450
    detector.reset()
    detector.update(tone(0.2, -20))
    assert detector.in_speech
    detector.reset()
    assert not detector.in_speech
    assert detector.update(noise(0.1, -60)) is EndpointEvent.NONE


def test_has_speech_rejects_silence_hiss_and_hum_and_accepts_a_burst() -> None:
    from assistant.audio.endpoint import has_speech

    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    silence = np.zeros(16000, np.float32)
    hiss = (0.05 * rng.standard_normal(16000)).astype(np.float32)
    hum = (0.2 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    burst = (0.001 * rng.standard_normal(16000)).astype(np.float32)
    burst[4000:9000] += (0.3 * np.sin(2 * np.pi * 220 * t[4000:9000])).astype(np.float32)
    assert not has_speech(silence)
    assert not has_speech(hiss)
    assert not has_speech(hum)
    assert has_speech(burst)
    assert not has_speech(np.zeros(10, np.float32))


def test_has_speech_accepts_a_quiet_word_trimmed_tight() -> None:
    # no silence around it: the quietest tenth of the frames is the word's own soft start
    from assistant.audio.endpoint import has_speech

    t = np.arange(6400) / 16000
    envelope = 10 ** (np.interp(t, [0.0, 0.1, 0.3, 0.4], [-14.0, 0.0, 0.0, -14.0]) / 20)
    word = (0.02 * envelope * np.sin(2 * np.pi * 180 * t)).astype(np.float32)  # -37 dBFS rms
    assert has_speech(word)
    steady = (0.02 * np.sin(2 * np.pi * 180 * t)).astype(np.float32)
    assert not has_speech(steady)


def test_trim_pauses_keeps_speech_and_a_short_pause_around_it() -> None:
    # push-to-talk: 2 s of room tone, a click, 1.5 s, the word, 3 s of room tone
    click = tone(0.02, -10)
    word = tone(0.6, -20) + noise(0.6, -60, 1)
    audio = np.concatenate([noise(2.0, -60), click, noise(1.5, -60, 2), word, noise(3.0, -60, 3)])
    trimmed = trim_pauses(audio, EndpointConfig(pause_keep_ms=400))
    start = int(RATE * 3.52) - int(RATE * 0.4)
    assert trimmed.size == word.size + 2 * int(RATE * 0.4)
    np.testing.assert_array_equal(trimmed, audio[start : start + trimmed.size])


def test_trim_pauses_leaves_short_pauses_and_silence_alone() -> None:
    audio = np.concatenate([noise(0.2, -60), tone(0.6, -20), noise(0.3, -60, 1)])
    assert trim_pauses(audio, EndpointConfig(pause_keep_ms=400)) is audio
    silence = noise(2.0, -60)
    assert trim_pauses(silence) is silence


def test_has_speech_accepts_a_word_with_little_level_change() -> None:
    # a quiet speaker's word trimmed tight, its soft ends only ~6-9 dB below its middle
    # (like FSDD's speaker theo): below the trimming's 9 dB margin, above the presence check's
    from assistant.audio.endpoint import EndpointConfig, has_speech, trim_pauses

    t = np.arange(6400) / 16000
    envelope = 0.35 + 0.65 * np.sin(np.pi * t / 0.4)
    rng = np.random.default_rng(0)
    word = 0.01 * envelope * (np.sin(2 * np.pi * 220 * t) + 0.5 * np.sin(2 * np.pi * 660 * t))
    word = (word + 1e-4 * rng.standard_normal(t.size)).astype(np.float32)
    assert has_speech(word)
    assert not has_speech(word, EndpointConfig(presence_margin_db=9.0))
    assert trim_pauses(word) is word  # nothing to cut
