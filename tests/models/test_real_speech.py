"""The real-speech corpora and their train/held-out split (needs ../shared/data/speech)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.vocabulary import normalize_text
from models.data.manifests import read_manifest_rows, write_manifest
from models.data.real_speech import (
    FSDD_HELD_OUT_SPEAKER,
    load_corpus,
    load_real_speech,
    speech_dir,
)
from models.errors import DataError

needs_speech = pytest.mark.skipif(
    not (speech_dir() / "an4" / "manifest.tsv").is_file(),
    reason=f"real speech not found at {speech_dir()} (set ASSISTANT_SPEECH_DIR)",
)


@pytest.mark.real_speech
@needs_speech
def test_an4_split_sizes_and_speakers_disjoint() -> None:
    train, test = load_corpus("an4", "train"), load_corpus("an4", "test")
    assert (len(train), len(test)) == (948, 130)
    assert len(load_corpus("an4")) == 1078
    assert not {u.speaker for u in train} & {u.speaker for u in test}
    assert len({u.speaker for u in test}) == 10
    assert {u.extras["split"] for u in test} == {"test"}
    assert all(u.corpus == "an4" and u.path.is_file() for u in test[:5])


@pytest.mark.real_speech
@needs_speech
def test_fsdd_holds_out_one_speaker() -> None:
    train, test = load_corpus("fsdd", "train"), load_corpus("fsdd", "test")
    assert {u.speaker for u in test} == {FSDD_HELD_OUT_SPEAKER}
    assert FSDD_HELD_OUT_SPEAKER not in {u.speaker for u in train}
    assert len(train) + len(test) == 3000
    assert {u.transcript for u in test} == {
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
    }


@pytest.mark.real_speech
@needs_speech
def test_transcripts_are_normalised() -> None:
    utterances = load_corpus("an4", "test") + load_corpus("fsdd", "test")[:50]
    for u in utterances:
        assert u.transcript
        assert u.transcript == normalize_text(u.transcript)
        assert u.transcript == u.transcript.lower()
    raw = read_manifest_rows(speech_dir() / "an4" / "manifest.tsv")
    assert any(r["transcript"].isupper() for r in raw)  # AN4 is upper case as shipped
    by_path = {speech_dir() / "an4" / r["path"]: r["transcript"] for r in raw}
    for u in utterances[:130]:
        assert u.transcript == normalize_text(by_path[u.path])


@pytest.mark.real_speech
@needs_speech
def test_load_real_speech_skips_absent_corpora() -> None:
    got = load_real_speech("test", ("an4", "no_such_corpus"))
    assert len(got) == 130
    assert {u.corpus for u in got} == {"an4"}


def test_split_rules_on_a_made_up_corpus(tmp_path: Path) -> None:
    """The split rules without the shared data: an in-memory FSDD-like manifest."""
    folder = tmp_path / "fsdd"
    folder.mkdir()
    rows = [
        {"path": "a.wav", "transcript": "ZERO", "speaker": FSDD_HELD_OUT_SPEAKER},
        {"path": "b.wav", "transcript": "One!", "speaker": "george"},
        {"path": "c.wav", "transcript": "123", "speaker": "george"},  # nothing left: dropped
    ]
    write_manifest(folder / "manifest.tsv", rows, ["path", "transcript", "speaker"])
    test = load_corpus("fsdd", "test", root=tmp_path)
    train = load_corpus("fsdd", "train", root=tmp_path)
    assert [(u.transcript, u.speaker, u.path) for u in test] == [
        ("zero", FSDD_HELD_OUT_SPEAKER, folder / "a.wav")
    ]
    assert [(u.transcript, u.extras["split"]) for u in train] == [("one", "train")]
    with pytest.raises(DataError, match="not found"):
        load_corpus("an4", root=tmp_path)


def test_wuw_keeps_only_ok_rows_and_holds_out_whole_speakers(tmp_path: Path) -> None:
    folder = tmp_path / "wuw_corpus_ii"
    folder.mkdir()
    rows = [
        {"path": f"{i}.opus", "transcript": "onward", "speaker": f"s{i % 40}", "quality": q}
        for i, q in enumerate(["ok"] * 160 + ["truncated"] * 40)
    ]
    write_manifest(folder / "manifest.tsv", rows, ["path", "transcript", "speaker", "quality"])
    train = load_corpus("wuw_corpus_ii", "train", root=tmp_path)
    test = load_corpus("wuw_corpus_ii", "test", root=tmp_path)
    assert len(train) + len(test) == 160
    assert {u.speaker for u in train}.isdisjoint({u.speaker for u in test})
    assert 0 < len({u.speaker for u in test}) < 10


@pytest.mark.real_speech
@needs_speech
def test_wuw_dev_split_has_about_twenty_speakers() -> None:
    test = load_corpus("wuw_corpus_ii", "test")
    assert 15 <= len({u.speaker for u in test}) <= 25
    assert all(u.extras["quality"] == "ok" for u in load_corpus("wuw_corpus_ii"))
