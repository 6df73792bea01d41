"""Corpus synthesis with espeak-ng: files, manifest, and resuming without redoing work."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from assistant.vocabulary import normalize_text
from models.data.manifests import read_manifest_rows
from models.data.synthesize import (
    COLUMNS,
    _engine_weights,
    finish_audio,
    plan_jobs,
    synthesize_corpus,
)
from models.data.voices import DEFAULT_ENGINES, installed_engines, missing_programs, voices_of
from models.errors import SynthesisError

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed (apt install espeak-ng)"
)


@pytest.mark.tts
@needs_espeak
def test_synthesize_four_utterances_and_resume(tmp_path: Path) -> None:
    manifest = synthesize_corpus(
        tmp_path, utterances=4, test_utterances=0, seed=3, workers=1, engines=("espeak-ng",)
    )
    assert manifest == tmp_path / "manifest.tsv"
    assert manifest.read_text().splitlines()[0].split("\t") == COLUMNS
    rows = read_manifest_rows(manifest)
    assert len(rows) == 4
    files = sorted(tmp_path.rglob("*.flac"))
    assert len(files) == 4
    assert sorted(tmp_path / r["path"] for r in rows) == files
    for row in rows:
        assert row["engine"] == "espeak-ng"
        assert row["split"] == "train"
        assert row["speaker"].startswith("espeak-ng")
        assert row["transcript"]
        assert normalize_text(row["transcript"]) == row["transcript"]
        audio, rate = sf.read(str(tmp_path / row["path"]), dtype="float32")
        assert rate == 16000
        assert audio.ndim == 1
        assert float(row["duration"]) == pytest.approx(audio.size / 16000, abs=1e-3)
        assert float(np.sqrt(np.mean(audio**2))) > 0.005  # speech, not the noise floor
        assert float(np.max(np.abs(audio))) <= 1.0
    mtimes = {f: f.stat().st_mtime_ns for f in files}
    before = manifest.read_text()

    synthesize_corpus(
        tmp_path, utterances=4, test_utterances=0, seed=3, workers=1, engines=("espeak-ng",)
    )
    assert {f: f.stat().st_mtime_ns for f in sorted(tmp_path.rglob("*.flac"))} == mtimes
    assert manifest.read_text() == before


@pytest.mark.tts
@needs_espeak
@pytest.mark.skipif(shutil.which("pico2wave") is None, reason="pico2wave is not installed")
def test_the_test_split_alone_is_the_same_files_as_in_the_whole_corpus(tmp_path: Path) -> None:
    engines = ("espeak-ng", "pico")
    whole = synthesize_corpus(tmp_path / "whole", 3, 2, seed=5, workers=1, engines=engines)
    alone = synthesize_corpus(
        tmp_path / "alone", 3, 2, seed=5, workers=1, engines=engines, splits=("test",)
    )
    test_rows = [r for r in read_manifest_rows(whole) if r["split"] == "test"]
    rows = read_manifest_rows(alone)
    assert [r["path"] for r in rows] == [r["path"] for r in test_rows]
    assert len(rows) == 2 and {r["engine"] for r in rows} == {"pico"}
    for row in rows:
        a = sf.read(str(tmp_path / "whole" / row["path"]))[0]
        b = sf.read(str(tmp_path / "alone" / row["path"]))[0]
        np.testing.assert_array_equal(a, b)


def test_plan_jobs_is_reproducible_and_needs_a_training_engine() -> None:
    pytest.importorskip("wordfreq", reason="wordfreq is a training-time dependency")
    jobs = plan_jobs(6, 2, seed=1, engines=("espeak-ng", "pico"))
    assert jobs == plan_jobs(6, 2, seed=1, engines=("espeak-ng", "pico"))
    assert [j.split for j in jobs] == ["train"] * 6 + ["test"] * 2
    assert {j.voice.engine for j in jobs[:6]} == {"espeak-ng"}
    assert {j.voice.engine for j in jobs[6:]} == {"pico"}
    assert [j.index for j in jobs] == list(range(8))
    assert jobs[0].relative_path == f"audio/train/{jobs[0].voice.speaker_id}/0000000.flac"
    with pytest.raises(SynthesisError, match="no training TTS engine"):
        plan_jobs(2, 0, seed=1, engines=("pico",))


def test_earlier_seeds_plan_the_same_voices_as_before_the_accented_voices() -> None:
    pytest.importorskip("wordfreq", reason="wordfreq is a training-time dependency")
    jobs = plan_jobs(12, 2, seed=1, engines=DEFAULT_ENGINES)
    # what seed 1 planned before mbrola-accent existed (the released model's data/tts)
    assert [j.voice.speaker_id for j in jobs[:6]] == [
        "espeak-ng_en-us_zac",
        "espeak-ng_en-029_zac",
        "festival_don_diphone",
        "mbrola_mb-en1",
        "flite_kal",
        "espeak-ng_en-gb-x-gbclan_Annie",
    ]
    assert jobs[0].seed == 1095513148
    assert "mbrola-accent" not in {j.voice.engine for j in jobs}
    # a weight for an engine not in use changes nothing
    assert plan_jobs(12, 2, 1, DEFAULT_ENGINES, {"mbrola-accent": 5.0}) == jobs


def test_engine_weights_choose_how_often_each_engine_speaks() -> None:
    pytest.importorskip("wordfreq", reason="wordfreq is a training-time dependency")
    engines = ("espeak-ng", "mbrola-accent")
    only_accents = plan_jobs(40, 0, 2, engines, {"espeak-ng": 0.0})
    assert {j.voice.engine for j in only_accents} == {"mbrola-accent"}
    assert {j.voice.name for j in only_accents} <= set(v.name for v in voices_of("mbrola-accent"))
    assert len({j.voice.name for j in only_accents}) > 8  # spread over the sixteen voices
    mixed = plan_jobs(400, 0, 2, engines, {"mbrola-accent": 3.0})
    share = sum(j.voice.engine == "mbrola-accent" for j in mixed) / len(mixed)
    assert 0.8 < share < 0.92  # 3 / (3 + 0.35) = 0.90


def test_engine_weights_flag_parses_pairs_and_rejects_nonsense() -> None:
    import argparse

    assert _engine_weights("mbrola-accent=0.6,flite=0") == {"mbrola-accent": 0.6, "flite": 0.0}
    assert _engine_weights("") == {}
    for bad in ("mbrola-accent", "nosuch=1", "flite=-1", "flite=lots"):
        with pytest.raises(argparse.ArgumentTypeError):
            _engine_weights(bad)


def test_accented_voices_speak_english_through_foreign_mbrola_databases() -> None:
    voices = voices_of("mbrola-accent")
    assert len(voices) == 16
    assert all(v.name.startswith("mb-") and v.name.endswith("-en") for v in voices)
    command = voices[0].command("t.txt", "o.wav", random.Random(0))
    assert command[:3] == ["espeak-ng", "-v", "mb-af1-en"]
    assert not set(voices) & set(voices_of("mbrola"))


def test_finish_audio_pads_scales_and_adds_a_noise_floor() -> None:
    t = np.arange(22050) / 22050
    speech = np.sin(2 * np.pi * 200 * t).astype(np.float32)
    out = finish_audio(speech, 22050, np.random.default_rng(0))
    assert out.dtype == np.float32
    assert 0.05 < float(np.max(np.abs(out))) <= 1.0
    # at least 50 ms of pause on each side, holding only a faint noise floor
    lead, tail = out[:800], out[-800:]
    for pause in (lead, tail):
        level = float(np.sqrt(np.mean(pause**2)))
        assert 0.0 < level < 10 ** (-45 / 20)
    assert 16000 * 0.92 < out.size - 2 * 800 < 16000 / 0.92 + 2 * 0.4 * 16000


@pytest.mark.tts
@pytest.mark.parametrize("engine", ["flite", "festival", "rhvoice", "mbrola", "mbrola-accent"])
def test_every_voice_of_an_installed_engine_speaks(engine: str, tmp_path: Path) -> None:
    missing = missing_programs(engine)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed (scripts/setup.sh tts)")
    text = tmp_path / "text.txt"
    text.write_text("seven times eight\n")
    silent = []
    for voice in voices_of(engine):
        wav = tmp_path / f"{voice.speaker_id}.wav"
        subprocess.run(voice.command(str(text), str(wav), random.Random(0)), capture_output=True)
        audio, rate = sf.read(str(wav), dtype="float32") if wav.is_file() else (np.zeros(1), 1)
        if audio.size < rate // 2 or float(np.sqrt(np.mean(audio**2))) < 0.005:
            silent.append(voice.name)
    assert silent == [], (
        f"voices that gave no speech (scripts/setup.sh tts installs them): {silent}"
    )


def test_an_engine_counts_as_installed_only_with_all_its_programs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # espeak-ng alone cannot speak with MBROLA voices: it needs the mbrola program too
    monkeypatch.setattr(shutil, "which", lambda p: "/usr/bin/" + p if p == "espeak-ng" else None)
    assert missing_programs("mbrola") == ["mbrola"]
    assert installed_engines(("espeak-ng", "mbrola", "flite")) == ("espeak-ng",)
