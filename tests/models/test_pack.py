"""Training packs: the training split re-encoded into a few Opus chunks, and back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from models.data.dataset import load_tts_corpus
from models.data.manifests import read_manifest_rows, write_manifest
from models.data.pack import PackConfig, create, extract
from models.data.real_speech import load_corpus
from models.errors import DataError
from tests.models.conftest import tone_pattern

WORDS = ("alexa", "computer", "jarvis", "snowboy", "view glass", "smart mirror")


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real-speech folder with one corpus whose split depends on row order (picovoice_wwb)."""
    root = tmp_path_factory.mktemp("speech")
    folder = root / "picovoice_wwb"
    rng = np.random.default_rng(1)
    rows = []
    for index in range(12):
        word = WORDS[index % 2]
        relative = f"audio/{word}/{index}.flac"
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(folder / relative), tone_pattern(word, rng), 16000, subtype="PCM_16")
        rows.append({"path": relative, "transcript": word, "speaker": "unknown", "keyword": word})
    write_manifest(folder / "manifest.tsv", rows, ["path", "transcript", "speaker", "keyword"])
    return root


@pytest.fixture(scope="module")
def unpacked(
    speech: Path, tiny_corpus: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """(pack, extracted folder) of the corpus above and the tiny synthesised one."""
    pack = tmp_path_factory.mktemp("pack")
    dest = tmp_path_factory.mktemp("unpacked")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_SPEECH_DIR", str(speech))
        # short chunks, so utterances spread over several files
        create(pack, tiny_corpus, ["picovoice_wwb"], PackConfig(chunk_seconds=2.0))
    extract(pack, dest, workers=2)
    return pack, dest


def test_pack_holds_few_files(unpacked: tuple[Path, Path]) -> None:
    pack, _ = unpacked
    chunks = sorted(p.name for p in pack.rglob("*.opus"))
    assert 2 <= len([c for c in chunks if c.startswith("picovoice")]) < 10
    assert any(c.startswith("tts_") for c in chunks)


def test_real_training_split_comes_back_with_its_audio(
    speech: Path, unpacked: tuple[Path, Path]
) -> None:
    _, dest = unpacked
    original = load_corpus("picovoice_wwb", "train", root=speech)
    restored = load_corpus("picovoice_wwb", "train", root=dest / "speech")
    assert len(original) == 8  # every fifth row of each keyword is held out
    assert [(u.transcript, u.speaker) for u in restored] == [
        (u.transcript, u.speaker) for u in original
    ]
    for before, after in zip(original, restored, strict=True):
        assert after.path.suffix == ".wav"
        a, _ = sf.read(str(before.path), dtype="float32")
        b, rate = sf.read(str(after.path), dtype="float32")
        assert rate == 16000
        assert len(b) == len(a)
        assert np.corrcoef(a, b)[0, 1] > 0.9  # lossy, but the same sound at the same place


def test_measurement_split_is_not_packed(speech: Path, unpacked: tuple[Path, Path]) -> None:
    _, dest = unpacked
    held_out = load_corpus("picovoice_wwb", "test", root=dest / "speech")
    assert [u.path.name for u in held_out] == [
        u.path.name for u in load_corpus("picovoice_wwb", "test", root=speech)
    ]
    assert not any(u.path.exists() for u in held_out)


def test_synthesised_training_split_comes_back(
    tiny_corpus: Path, unpacked: tuple[Path, Path]
) -> None:
    _, dest = unpacked
    original = {u.transcript: u for u in load_tts_corpus(tiny_corpus, "train")}
    restored = load_tts_corpus(dest / "tts", "train")
    assert sorted(u.transcript for u in restored) == sorted(original)
    assert load_tts_corpus(dest / "tts", "test") == []
    for u in restored:
        assert u.duration == pytest.approx(original[u.transcript].duration, abs=1e-3)
        assert sf.info(str(u.path)).frames == round(u.duration * 16000)


def test_tts_share_is_limited_by_hours(
    speech: Path, tiny_corpus: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ASSISTANT_SPEECH_DIR", str(speech))
    create(tmp_path, tiny_corpus, [], PackConfig(tts_hours=2.0 / 3600))  # two seconds
    rows = read_manifest_rows(tmp_path / "tts" / "pack.tsv")
    assert 1 <= len(rows) < 9
    assert sum(float(r["duration"]) for r in rows[:-1]) < 2.0


def test_extract_refuses_a_folder_that_is_not_a_pack(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a training pack"):
        extract(tmp_path, tmp_path / "out")
