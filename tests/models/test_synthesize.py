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
from models.data.synthesize import COLUMNS, finish_audio, plan_jobs, synthesize_corpus
from models.data.voices import installed_engines, missing_programs, voices_of
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
@pytest.mark.parametrize("engine", ["flite", "festival", "rhvoice", "mbrola"])
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
