"""Manifest TSV files: round trip, errors, and concurrent writers (torchrun ranks)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from models.data.manifests import read_manifest_rows, write_manifest
from models.errors import DataError


def test_manifest_round_trip(tmp_path: Path) -> None:
    rows = [
        {"path": "a.flac", "transcript": "what's up", "speaker": "s1"},
        {"path": "b.flac", "transcript": "go", "extra": "dropped"},
    ]
    path = tmp_path / "manifest.tsv"
    write_manifest(path, rows, ["path", "transcript", "speaker"])
    assert path.read_text().splitlines()[0] == "path\ttranscript\tspeaker"
    assert read_manifest_rows(path) == [
        {"path": "a.flac", "transcript": "what's up", "speaker": "s1"},
        {"path": "b.flac", "transcript": "go", "speaker": ""},
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.tsv"]  # no temporary left


def test_manifest_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"cannot read manifest .*missing\.tsv"):
        read_manifest_rows(tmp_path / "missing.tsv")
    (tmp_path / "bad.tsv").write_text("file\ttext\na\tb\n")
    with pytest.raises(DataError, match="needs 'path' and 'transcript' columns"):
        read_manifest_rows(tmp_path / "bad.tsv")


def _write_many(path: str, tag: str) -> None:
    for i in range(40):
        write_manifest(
            Path(path), [{"path": f"{tag}{i}", "transcript": "x"}], ["path", "transcript"]
        )


def test_two_processes_can_write_the_same_manifest(tmp_path: Path) -> None:
    # every rank of a torchrun job writes OUT/durations_real.tsv at the same moment
    path = tmp_path / "durations.tsv"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_many, args=(str(path), t)) for t in "ab"]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    assert read_manifest_rows(path)[0]["path"] in ("a39", "b39")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["durations.tsv"]
