"""A compact, portable copy of the training data, for a GPU machine that cannot read ours.

A remote GPU machine sees neither ``../shared/data/speech`` nor ``data/tts``, and what can be
sent to it is small (tens of MB). ``create`` re-encodes the *training* split of every real
corpus, and a seeded share of the synthesised corpus, into a few long Ogg/Opus files (one Ogg
header per chunk instead of one per utterance, which alone would cost ~1 kB per file) with
manifests of sample offsets. ``extract`` turns a pack back into folders that training reads
unchanged: ``DEST/speech/<corpus>/manifest.tsv`` (use ``ASSISTANT_SPEECH_DIR=DEST/speech``) and
``DEST/tts/manifest.tsv`` (``--tts-dir DEST/tts``), decoding chunks in parallel.

The measurement splits are never packed: measure where the full corpora are. Real-corpus
manifests keep every row, so splits that depend on row order come out the same, but only
training rows have audio.

    python -m models.data.pack create gpu_pack --tts-hours 3.5
    python -m models.data.pack extract gpu_pack /tmp/data --workers 16
"""

from __future__ import annotations

import argparse
import logging
import random
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.files import load_audio
from assistant.errors import AudioError
from assistant.features import SAMPLE_RATE
from models.data.dataset import load_tts_corpus
from models.data.manifests import read_manifest_rows, write_manifest
from models.data.real_speech import CORPORA, rows_with_splits, speech_dir
from models.errors import DataError

_LOGGER = logging.getLogger(__name__)

GAP_SECONDS = 0.05
"""Silence between utterances in a chunk, so codec frames do not smear one into the next."""


@dataclass(frozen=True)
class PackConfig:
    """How much goes into a pack, and at what quality."""

    real_level: float = 0.975
    """libsndfile Opus compression level of real speech (0.97 is ~13 kbit/s, 0.98 ~11)."""
    tts_level: float = 0.98
    """Compression level of synthesised speech."""
    tts_hours: float = 3.5
    """Hours of the synthesised training split to pack (a seeded random share)."""
    chunk_seconds: float = 900.0
    """Audio per Opus file: chunks are decoded in parallel on extraction."""
    seed: int = 1
    """Seed of the synthesised share."""


@dataclass
class _Chunk:
    """Utterances being written into one Opus file."""

    name: str
    writer: sf.SoundFile
    frames: int = 0


class _ChunkWriter:
    """Appends utterances to numbered Opus files of about ``chunk_seconds`` each."""

    def __init__(self, folder: Path, stem: str, level: float, chunk_seconds: float) -> None:
        self.folder, self.stem, self.level = folder, stem, level
        self.chunk_frames = int(chunk_seconds * SAMPLE_RATE)
        self.gap = np.zeros(int(GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
        self.chunk: _Chunk | None = None
        self.count = 0

    def add(self, audio: np.ndarray) -> tuple[str, int, int]:
        """Writes ``audio``; returns (chunk file name, offset, frames)."""
        if self.chunk is None or self.chunk.frames >= self.chunk_frames:
            self.close()
            name = f"{self.stem}_{self.count:03d}.opus"
            self.count += 1
            writer = sf.SoundFile(
                self.folder / name,
                "w",
                SAMPLE_RATE,
                1,
                format="OGG",
                subtype="OPUS",
                compression_level=self.level,
            )
            self.chunk = _Chunk(name, writer)
        offset = self.chunk.frames
        self.chunk.writer.write(audio)
        self.chunk.writer.write(self.gap)
        self.chunk.frames += len(audio) + len(self.gap)
        return self.chunk.name, offset, len(audio)

    def close(self) -> None:
        if self.chunk is not None:
            self.chunk.writer.close()
            self.chunk = None


def _pack_real(corpus: str, out: Path, config: PackConfig) -> float:
    """Packs the training rows of one real corpus; returns the seconds packed."""
    source = speech_dir() / corpus
    rows = read_manifest_rows(source / "manifest.tsv")
    folder = out / "speech" / corpus
    folder.mkdir(parents=True, exist_ok=True)
    writer = _ChunkWriter(folder, corpus, config.real_level, config.chunk_seconds)
    packed: list[dict[str, str]] = []
    seconds = 0.0
    for row, split in rows_with_splits(corpus, rows):
        entry = dict(row, chunk="", offset="", frames="")
        if split == "train":
            try:
                audio = load_audio(source / row["path"])
            except AudioError as e:
                _LOGGER.warning("skipping %s", e)
                audio = None
            if audio is not None:
                chunk, offset, frames = writer.add(audio)
                entry.update(chunk=chunk, offset=str(offset), frames=str(frames))
                seconds += frames / SAMPLE_RATE
        packed.append(entry)
    writer.close()
    columns = [*list(rows[0]), "chunk", "offset", "frames"] if rows else []
    write_manifest(folder / "pack.tsv", packed, columns)
    return seconds


def _pack_tts(tts_dir: Path, out: Path, config: PackConfig) -> float:
    """Packs a seeded share of the synthesised training split; returns the seconds packed."""
    utterances = load_tts_corpus(tts_dir, "train")
    random.Random(config.seed).shuffle(utterances)
    folder = out / "tts"
    folder.mkdir(parents=True, exist_ok=True)
    writer = _ChunkWriter(folder, "tts", config.tts_level, config.chunk_seconds)
    packed = []
    seconds = 0.0
    for u in utterances:
        if seconds >= config.tts_hours * 3600:
            break
        try:
            audio = load_audio(u.path)
        except AudioError as e:
            _LOGGER.warning("skipping %s", e)
            continue
        chunk, offset, frames = writer.add(audio)
        seconds += frames / SAMPLE_RATE
        packed.append(
            {
                "path": str(Path(u.path).relative_to(tts_dir).with_suffix(".wav")),
                "transcript": u.transcript,
                "speaker": u.speaker,
                "engine": u.extras.get("engine", ""),
                "split": "train",
                "duration": f"{frames / SAMPLE_RATE:.3f}",
                "chunk": chunk,
                "offset": str(offset),
                "frames": str(frames),
            }
        )
    writer.close()
    columns = ["path", "transcript", "speaker", "engine", "split", "duration"]
    write_manifest(folder / "pack.tsv", packed, [*columns, "chunk", "offset", "frames"])
    return seconds


def create(out: Path, tts_dir: Path | None, corpora: Sequence[str], config: PackConfig) -> None:
    """Writes a pack of the training data into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    for corpus in corpora:
        seconds = _pack_real(corpus, out, config)
        _LOGGER.info("packed %s: %.2f h", corpus, seconds / 3600)
    if tts_dir is not None:
        seconds = _pack_tts(tts_dir, out, config)
        _LOGGER.info("packed synthesised speech: %.2f h", seconds / 3600)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    _LOGGER.info("pack %s: %.1f MB", out, size / 1e6)


def _extract_chunk(job: tuple[Path, list[tuple[Path, int, int]]]) -> int:
    """Decodes one chunk and writes its utterances as WAV files; returns how many."""
    chunk, items = job
    try:
        audio, rate = sf.read(str(chunk), dtype="float32")
    except (sf.LibsndfileError, RuntimeError) as e:
        raise DataError(f"cannot decode {chunk}: {e}") from e
    if rate != SAMPLE_RATE:
        raise DataError(f"{chunk}: {rate} Hz, expected {SAMPLE_RATE}")
    for path, offset, frames in items:
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(path), audio[offset : offset + frames], SAMPLE_RATE, subtype="PCM_16")
    return len(items)


def extract(pack: Path, dest: Path, workers: int = 4) -> None:
    """Unpacks ``pack`` into folders that training reads (see the module docstring)."""
    jobs: dict[Path, list[tuple[Path, int, int]]] = {}
    manifests = sorted(pack.glob("speech/*/pack.tsv")) + sorted(pack.glob("tts/pack.tsv"))
    if not manifests:
        raise DataError(f"{pack}: not a training pack (no speech/*/pack.tsv or tts/pack.tsv)")
    for manifest in manifests:
        relative = manifest.parent.relative_to(pack)
        rows = read_manifest_rows(manifest)
        columns = [c for c in rows[0] if c not in ("chunk", "offset", "frames")] if rows else []
        for row in rows:
            if row["chunk"]:
                target = Path(row["path"]).with_suffix(".wav")
                row["path"] = str(target)
                jobs.setdefault(manifest.parent / row["chunk"], []).append(
                    (dest / relative / target, int(row["offset"]), int(row["frames"]))
                )
        (dest / relative).mkdir(parents=True, exist_ok=True)
        write_manifest(dest / relative / "manifest.tsv", rows, columns)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        count = sum(pool.map(_extract_chunk, jobs.items()))
    _LOGGER.info("extracted %d utterances from %d chunks into %s", count, len(jobs), dest)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("create", help="pack the training data")
    make.add_argument("out", type=Path)
    make.add_argument("--tts-dir", default="data/tts", help="synthesised corpus ('' for none)")
    make.add_argument("--corpora", default=",".join(CORPORA), help="real corpora to pack")
    defaults = PackConfig()
    make.add_argument("--tts-hours", type=float, default=defaults.tts_hours)
    make.add_argument("--real-level", type=float, default=defaults.real_level)
    make.add_argument("--tts-level", type=float, default=defaults.tts_level)
    make.add_argument("--seed", type=int, default=defaults.seed)
    unpack = commands.add_parser("extract", help="unpack into training folders")
    unpack.add_argument("pack", type=Path)
    unpack.add_argument("dest", type=Path)
    unpack.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "create":
            config = PackConfig(
                real_level=args.real_level,
                tts_level=args.tts_level,
                tts_hours=args.tts_hours,
                seed=args.seed,
            )
            corpora = [c for c in args.corpora.split(",") if c]
            create(args.out, Path(args.tts_dir) if args.tts_dir else None, corpora, config)
        else:
            extract(args.pack, args.dest, args.workers)
    except DataError as e:
        parser.exit(1, f"error: {e}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
