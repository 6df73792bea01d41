"""The real recorded speech in ``../shared/data/speech``: loading and the train/dev split.

Held out for measurement, never trained on: AN4 ``test``, speechocean762 ``test``, every
utterance of one FSDD speaker, a speaker-disjoint part of gsc_subsets, every fifth file of
each picovoice_wwb phrase (that corpus names no speakers) and about 20 of wuw_corpus_ii's 190
speakers. Of wuw_corpus_ii only the rows of ``quality == ok`` are used (the others have words
cut off or missing).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

from assistant.vocabulary import normalize_text
from models.data.manifests import Utterance, read_manifest_rows
from models.errors import DataError

DEFAULT_SPEECH_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "speech"
CORPORA = ("an4", "speechocean762", "fsdd", "gsc_subsets", "picovoice_wwb", "wuw_corpus_ii")
FSDD_HELD_OUT_SPEAKER = "theo"
GSC_DEV_SHARE = 0.4
WUW_DEV_SHARE = 0.1
"""Share of wuw_corpus_ii's speakers held out (by a hash of the speaker id): 20 of 190."""


def speech_dir() -> Path:
    """The shared real-speech folder: $ASSISTANT_SPEECH_DIR, else ../shared/data/speech."""
    return Path(os.environ.get("ASSISTANT_SPEECH_DIR", DEFAULT_SPEECH_DIR))


def _split_of(corpus: str, row: dict[str, str], index: int) -> str:
    """The split of a manifest row, "train" or "test"; ``index`` counts rows of its keyword."""
    if corpus in ("an4", "speechocean762"):
        return "test" if row["split"] == "test" else "train"
    if corpus == "fsdd":
        return "test" if row["speaker"] == FSDD_HELD_OUT_SPEAKER else "train"
    if corpus == "gsc_subsets":
        bucket = zlib.crc32(row["speaker"].encode()) % 1000 / 1000
        return "test" if bucket < GSC_DEV_SHARE else "train"
    if corpus == "picovoice_wwb":
        return "test" if index % 5 == 0 else "train"
    if corpus == "wuw_corpus_ii":
        bucket = zlib.crc32(row["speaker"].encode()) % 1000 / 1000
        return "test" if bucket < WUW_DEV_SHARE else "train"
    return "test"


def rows_with_splits(
    corpus: str, rows: Iterable[dict[str, str]]
) -> Iterator[tuple[dict[str, str], str]]:
    """Each manifest row of ``corpus`` in order, with its split (see :func:`_split_of`)."""
    per_keyword: dict[str, int] = {}
    for row in rows:
        key = row.get("keyword", "")
        index = per_keyword.get(key, 0)
        per_keyword[key] = index + 1
        yield row, _split_of(corpus, row, index)


def load_corpus(corpus: str, split: str | None = None, root: Path | None = None) -> list[Utterance]:
    """Utterances of one corpus, of ``split`` ('train' or 'test') or all when None."""
    folder = (root or speech_dir()) / corpus
    manifest = folder / "manifest.tsv"
    if not manifest.is_file():
        raise DataError(f"real speech corpus {corpus!r} not found at {folder}")
    utterances = []
    for row, row_split in rows_with_splits(corpus, read_manifest_rows(manifest)):
        if split is not None and row_split != split:
            continue
        if row.get("quality", "ok") != "ok":
            continue
        text = normalize_text(row["transcript"])
        if not text:
            continue
        extras = {k: v for k, v in row.items() if k not in ("path", "transcript", "speaker")}
        extras["split"] = row_split
        utterances.append(
            Utterance(folder / row["path"], text, row.get("speaker", ""), corpus, 0.0, extras)
        )
    return utterances


def load_real_speech(split: str, corpora: tuple[str, ...] = CORPORA) -> list[Utterance]:
    """Utterances of ``split`` from every corpus in ``corpora`` that is present."""
    found = []
    for corpus in corpora:
        if (speech_dir() / corpus / "manifest.tsv").is_file():
            found.extend(load_corpus(corpus, split))
    return found
