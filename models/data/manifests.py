"""Manifests: tab-separated lists of utterances (path, transcript, speaker, extras)."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from models.errors import DataError


@dataclass(frozen=True)
class Utterance:
    """One audio file and what is said in it."""

    path: Path
    """Absolute path of the audio file."""
    transcript: str
    """Normalised text (vocabulary characters only)."""
    speaker: str
    """Speaker or voice id."""
    corpus: str
    """Name of the corpus it comes from (for per-set reporting)."""
    duration: float = 0.0
    """Length in seconds; 0 when unknown."""
    extras: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """Other manifest columns (split, engine, keyword, ...)."""


def read_manifest_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a manifest TSV with a header row; DataError names the file if unreadable."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\"))
    except OSError as e:
        raise DataError(f"cannot read manifest {path}: {e}") from e
    if rows and ("path" not in rows[0] or "transcript" not in rows[0]):
        raise DataError(f"{path}: a manifest needs 'path' and 'transcript' columns")
    return rows


def write_manifest(path: Path, rows: Iterable[dict[str, str]], columns: list[str]) -> None:
    """Write rows atomically (to a temporary file, then renamed)."""
    # one temporary name per process: every rank of a torchrun job writes the same caches
    tmp = path.with_suffix(f"{path.suffix}.{os.getpid()}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, columns, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
        writer.writeheader()
        for row in rows:
            writer.writerow({c: row.get(c, "") for c in columns})
    os.replace(tmp, path)
