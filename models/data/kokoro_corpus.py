"""Synthesise a training corpus with Kokoro's natural voices.

    python -m models.data.kokoro_corpus --out data/kokoro --hours 5 --workers 2

Texts: commands sampled from the built-in and everyday grammars (some led in or rounded off
as people say them: "could you please ...", "uh ..."), real people's sentences (the training
transcripts of speechocean762 and wuw_corpus_ii: conversational, not retyped) and the broad mix
of :func:`models.data.texts.sentences` (common words, numbers, spelled letters). Voices: the
training voices of Kokoro (all but :data:`models.data.kokoro.HELD_OUT_VOICES`), each utterance
a new blend of one to three, at speed 0.8-1.3, a fifth of the longer ones said in pieces with
pauses. The ``test`` split (``--test-utterances``) is spoken by the held-out voices only: a dev
set of natural voices the model never heard.

Output: 16 kHz Opus (``--format flac`` for lossless) and ``manifest.tsv`` with the columns of
:mod:`models.data.synthesize`, so training reads it with ``--tts-dir``. Seeded and resumable:
the plan depends only on ``--seed`` and the size, and files already made are kept; the size
grows a corpus without changing what it already holds.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.features import SAMPLE_RATE
from models.data.command_texts import command_set, sample_commands, wrapped
from models.data.kokoro import (
    HELD_OUT_VOICES,
    KokoroSpeaker,
    VoiceBlend,
    draw_blend,
    load_voices,
    speak_pieces,
    split_into_pieces,
    training_voices,
)
from models.data.manifests import write_manifest
from models.data.real_speech import load_corpus
from models.data.synthesize import COLUMNS, made_duration
from models.data.texts import sentences
from models.errors import DataError, SynthesisError

_LOGGER = logging.getLogger(__name__)

SECONDS_PER_UTTERANCE = 3.2
"""Mean length of an utterance of this recipe, to turn ``--hours`` into a count."""
TEXT_SHARES = {"commands": 0.4, "real": 0.2, "mix": 0.4}
"""How often each kind of text is said."""
BLOCK = 1000
"""Utterances planned per block: a block's plan depends only on the seed and its number, so a
corpus can grow without its first utterances changing."""


@dataclass(frozen=True)
class CorpusJob:
    """One utterance to make."""

    index: int
    text: str
    pieces: tuple[str, ...]
    blend: VoiceBlend
    speed: float
    split: str
    seed: int
    extension: str

    @property
    def relative_path(self) -> str:
        return f"audio/{self.split}/{self.index // 1000:04d}/{self.index:07d}.{self.extension}"


def real_sentences() -> list[str]:
    """Transcripts of the real training speech with several words (empty where absent)."""
    found: list[str] = []
    for corpus in ("speechocean762", "wuw_corpus_ii"):
        try:
            found += [u.transcript for u in load_corpus(corpus, "train")]
        except DataError as e:
            _LOGGER.warning("no %s sentences: %s", corpus, e)
    return sorted({t for t in found if len(t.split()) >= 3})


class TextSource:
    """Draws texts of every kind, the same for the same seed."""

    def __init__(self, seed: int) -> None:
        commands = command_set()
        self._commands = [s.text for s in sample_commands(commands, 20000, seed, 200)]
        self._real = real_sentences()
        self._seed = seed

    def block(self, number: int, size: int) -> list[str]:
        """The texts of plan block ``number``."""
        rng = random.Random(self._seed * 1_000_003 + number)
        mix = sentences(size, self._seed * 7919 + number)
        kinds = list(TEXT_SHARES)
        texts = []
        for fallback in mix:
            kind = rng.choices(kinds, [TEXT_SHARES[k] for k in kinds])[0]
            if kind == "commands" and self._commands:
                texts.append(wrapped(rng.choice(self._commands), rng))
            elif kind == "real" and self._real:
                texts.append(rng.choice(self._real))
            else:
                texts.append(fallback)
        return texts


def plan(
    utterances: int, test_utterances: int, seed: int, voice_names: list[str], extension: str
) -> list[CorpusJob]:
    """The jobs of a corpus of ``utterances`` training and ``test_utterances`` held-out
    utterances."""
    texts = TextSource(seed)
    train_voices = training_voices(voice_names)
    jobs: list[CorpusJob] = []
    for split, count, voices, offset in (
        ("train", utterances, train_voices, 0),
        ("test", test_utterances, HELD_OUT_VOICES, 10_000_000),
    ):
        for number in range((count + BLOCK - 1) // BLOCK):
            block_seed = seed * 1_000_003 + offset + number
            rng = random.Random(block_seed)
            np_rng = np.random.default_rng(block_seed)
            size = min(BLOCK, count - number * BLOCK)
            for i, text in enumerate(texts.block(number + offset, size)):
                jobs.append(
                    CorpusJob(
                        index=offset + number * BLOCK + i,
                        text=text,
                        pieces=split_into_pieces(text, rng),
                        blend=draw_blend(np_rng, voices),
                        speed=round(rng.uniform(0.8, 1.3), 2),
                        split=split,
                        seed=rng.randrange(2**31),
                        extension=extension,
                    )
                )
    return jobs


_SPEAKER: KokoroSpeaker | None = None


def _init_worker() -> None:
    global _SPEAKER
    _SPEAKER = KokoroSpeaker()


def make_one(job: CorpusJob, out_dir: Path, speaker: KokoroSpeaker) -> dict[str, str] | None:
    """Make one utterance (or keep it if present); its manifest row, or None on failure."""
    target = out_dir / job.relative_path
    row = {
        "path": job.relative_path,
        "transcript": job.text,
        "speaker": job.blend.speaker_id,
        "engine": "kokoro",
        "split": job.split,
    }
    made = made_duration(target)
    if made is not None:
        return {**row, "duration": made}
    rng = np.random.default_rng(job.seed)
    try:
        audio = speak_pieces(speaker, job.pieces, job.blend, job.speed, rng, (0.2, 0.9))
    except SynthesisError as e:
        _LOGGER.warning("skipped %d: %s", job.index, e)
        return None
    lead, tail = (np.zeros(int(rng.uniform(0.05, 0.4) * SAMPLE_RATE), np.float32) for _ in "ab")
    audio = np.concatenate([lead, audio, tail])
    audio = audio / (float(np.max(np.abs(audio))) + 1e-9) * rng.uniform(0.1, 0.9)
    audio = audio + rng.standard_normal(audio.size).astype(np.float32) * 10 ** (
        rng.uniform(-75.0, -50.0) / 20
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.stem + ".part" + target.suffix)
    if job.extension == "opus":
        sf.write(str(partial), audio, SAMPLE_RATE, format="OGG", subtype="OPUS")
    else:
        sf.write(str(partial), audio, SAMPLE_RATE, subtype="PCM_16")
    partial.replace(target)
    row["duration"] = f"{audio.size / SAMPLE_RATE:.3f}"
    return row


def _run(args: tuple[CorpusJob, Path]) -> dict[str, str] | None:
    if _SPEAKER is None:
        raise RuntimeError("_run runs in a pool whose initializer is _init_worker")
    return make_one(args[0], args[1], _SPEAKER)


def synthesize(
    out_dir: Path, utterances: int, test_utterances: int, seed: int, workers: int, extension: str
) -> Path:
    """Make the corpus in ``out_dir``; returns its manifest. The manifest is rewritten every
    2,000 utterances, so a stopped run can train on what it made."""
    from tqdm import tqdm

    jobs = plan(utterances, test_utterances, seed, sorted(load_voices()), extension)
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = out_dir / "manifest.tsv"
    rows: list[dict[str, str]] = []
    with multiprocessing.Pool(workers, initializer=_init_worker) as pool:
        results = pool.imap(_run, [(job, out_dir) for job in jobs], chunksize=8)
        for i, row in enumerate(tqdm(results, total=len(jobs), desc="kokoro", unit="utt")):
            if row is not None:
                rows.append(row)
            if (i + 1) % 2000 == 0:
                write_manifest(manifest, rows, COLUMNS)
    write_manifest(manifest, rows, COLUMNS)
    hours = sum(float(r["duration"]) for r in rows) / 3600
    _LOGGER.info("wrote %d utterances (%.2f h) to %s", len(rows), hours, manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/kokoro"), help="output folder")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--hours", type=float, default=None, help="training speech to make")
    size.add_argument("--utterances", type=int, default=None, help="training utterances")
    parser.add_argument(
        "--test-utterances", type=int, default=300, help="utterances of the held-out voices"
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of texts, voices and pauses")
    parser.add_argument("--workers", type=int, default=2, help="synthesis processes")
    parser.add_argument(
        "--format", choices=("opus", "flac"), default="opus", help="audio format (16 kHz)"
    )
    args = parser.parse_args(argv)
    utterances = (
        args.utterances
        if args.utterances is not None
        else round((args.hours if args.hours is not None else 5.0) * 3600 / SECONDS_PER_UTTERANCE)
    )
    if utterances < 0 or args.test_utterances < 0:
        parser.error("sizes must be >= 0")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    synthesize(args.out, utterances, args.test_utterances, args.seed, args.workers, args.format)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
