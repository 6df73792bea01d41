"""Synthesise a speech corpus with the TTS engines apt provides.

    python -m models.data.synthesize --out data/tts --utterances 30000 --workers 2

Each utterance gets a random voice, rate, pitch and word gap, a random speed factor, a little
leading and trailing pause, random gain and a faint noise floor (several engines write exact
digital silence, which no microphone produces). Output is 16 kHz FLAC plus ``manifest.tsv``.
Runs are reproducible from ``--seed`` and resumable: existing files are kept.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import random
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from assistant.audio.resample import resample
from assistant.features import SAMPLE_RATE
from models.data.manifests import write_manifest
from models.data.texts import sentences
from models.data.voices import (
    DEFAULT_ENGINES,
    HELD_OUT_ENGINES,
    TRAIN_ENGINES,
    Voice,
    installed_engines,
    voices_of,
)
from models.errors import SynthesisError

_LOGGER = logging.getLogger(__name__)
COLUMNS = ["path", "transcript", "speaker", "engine", "split", "duration"]
_TIMEOUT_S = 60


@dataclass(frozen=True)
class Job:
    """One utterance to synthesise."""

    index: int
    text: str
    voice: Voice
    split: str
    seed: int

    @property
    def relative_path(self) -> str:
        return f"audio/{self.split}/{self.voice.speaker_id}/{self.index:07d}.flac"


ENGINE_WEIGHTS = {
    "espeak-ng": 0.35,
    "mbrola": 0.2,
    "flite": 0.15,
    "festival": 0.2,
    "rhvoice": 0.22,
    "mbrola-accent": 0.3,
}
"""How often each training engine speaks, relative to the others used. espeak-ng has hundreds
of voice/variant pairs; engines are weighed, not voices, so the small engines (with more
natural voices) are not drowned out."""


def plan_jobs(
    utterances: int,
    test_utterances: int,
    seed: int,
    engines: tuple[str, ...],
    weights: Mapping[str, float] | None = None,
) -> list[Job]:
    """The jobs of a corpus: training voices for ``train``, held-out engines for ``test``.

    ``weights`` replaces :data:`ENGINE_WEIGHTS` for the engines it names."""
    train_engines = tuple(e for e in engines if e in TRAIN_ENGINES)
    test_engines = tuple(e for e in engines if e in HELD_OUT_ENGINES)
    if not train_engines:
        raise SynthesisError(f"no training TTS engine installed (want one of {TRAIN_ENGINES})")
    rng = random.Random(seed)
    engine_weights = {**ENGINE_WEIGHTS, **(weights or {})}
    weights_used = [engine_weights[e] for e in train_engines]
    jobs = []
    for i, text in enumerate(sentences(utterances, seed)):
        engine = rng.choices(train_engines, weights_used)[0]
        jobs.append(Job(i, text, rng.choice(voices_of(engine)), "train", rng.randrange(2**31)))
    if test_engines and test_utterances:
        test_voices = [v for e in test_engines for v in voices_of(e)]
        for j, text in enumerate(sentences(test_utterances, seed + 1_000_003)):
            voice = test_voices[j % len(test_voices)]
            jobs.append(Job(utterances + j, text, voice, "test", rng.randrange(2**31)))
    return jobs


def finish_audio(audio: np.ndarray, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Resample with a random speed factor, pad with pauses, set gain, add a noise floor."""
    speed = rng.uniform(0.92, 1.08)  # played faster or slower: tempo and pitch together
    audio = resample(audio, round(rate * speed), SAMPLE_RATE)
    peak = float(np.max(np.abs(audio))) or 1.0
    audio = audio / peak * rng.uniform(0.1, 0.9)
    lead, tail = (int(rng.uniform(0.05, 0.4) * SAMPLE_RATE) for _ in range(2))
    audio = np.concatenate([np.zeros(lead, np.float32), audio, np.zeros(tail, np.float32)])
    noise_db = rng.uniform(-75.0, -50.0)  # dBFS of the noise floor
    audio = audio + rng.standard_normal(audio.size).astype(np.float32) * 10 ** (noise_db / 20)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def render_speech(voice: Voice, text: str, seed: int) -> tuple[np.ndarray, int]:
    """``text`` as ``voice`` says it (its random settings drawn from ``seed``): mono float32
    audio and its sample rate. Raises what the engine's process or the WAV reader raise."""
    with tempfile.TemporaryDirectory(prefix="tts-") as tmp:
        text_path, wav_path = Path(tmp) / "text.txt", Path(tmp) / "speech.wav"
        text_path.write_text(text + "\n", encoding="utf-8")
        command = voice.command(str(text_path), str(wav_path), random.Random(seed))
        subprocess.run(command, check=True, capture_output=True, timeout=_TIMEOUT_S)
        audio, rate = sf.read(str(wav_path), dtype="float32", always_2d=True)
    return audio.mean(axis=1), rate


def made_duration(target: Path) -> str | None:
    """The duration (seconds, as the manifest writes it) of an utterance made by an earlier
    run; None when there is none, or it was cut short by a crash (then it is deleted, to be
    made again)."""
    if not target.exists():
        return None
    try:
        return f"{sf.info(str(target)).duration:.3f}"
    except RuntimeError:
        target.unlink()
        return None


def synthesize_one(job: Job, out_dir: Path) -> dict[str, str] | None:
    """Make one utterance (or keep it if present); its manifest row, or None on failure."""
    target = out_dir / job.relative_path
    row = {
        "path": job.relative_path,
        "transcript": job.text,
        "speaker": job.voice.speaker_id,
        "engine": job.voice.engine,
        "split": job.split,
    }
    made = made_duration(target)
    if made is not None:
        return {**row, "duration": made}
    try:
        audio, rate = render_speech(job.voice, job.text, job.seed)
    except (subprocess.SubprocessError, OSError, RuntimeError) as e:
        _LOGGER.warning("%s failed on %r: %s", job.voice.speaker_id, job.text, e)
        return None
    if audio.size < rate // 10:
        _LOGGER.warning("%s produced no speech for %r", job.voice.speaker_id, job.text)
        return None
    audio = finish_audio(audio, rate, np.random.default_rng(job.seed))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part.flac")
    sf.write(str(partial), audio, SAMPLE_RATE, subtype="PCM_16")
    partial.replace(target)
    row["duration"] = f"{audio.size / SAMPLE_RATE:.3f}"
    return row


def _run(args: tuple[Job, Path]) -> dict[str, str] | None:
    return synthesize_one(*args)


def synthesize_corpus(
    out_dir: Path,
    utterances: int,
    test_utterances: int,
    seed: int,
    workers: int,
    engines: tuple[str, ...] = DEFAULT_ENGINES,
    weights: Mapping[str, float] | None = None,
    splits: tuple[str, ...] = ("train", "test"),
) -> Path:
    """Synthesise the corpus into ``out_dir``; returns the manifest path (``weights``: see
    :func:`plan_jobs`). Only the jobs of ``splits`` are made and listed: ``("test",)`` makes
    just a seed's held-out measurement set, the same files the whole corpus would hold."""
    from tqdm import tqdm

    available = installed_engines(engines)
    missing = sorted(set(engines) - set(available))
    if missing:
        _LOGGER.warning("TTS engines not installed, skipped: %s", ", ".join(missing))
    jobs = plan_jobs(utterances, test_utterances, seed, available, weights)
    jobs = [job for job in jobs if job.split in splits]
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, str]] = []
    with multiprocessing.Pool(workers) as pool:
        results = pool.imap(_run, [(job, out_dir) for job in jobs], chunksize=8)
        for row in tqdm(results, total=len(jobs), desc="synthesising", unit="utt"):
            if row is not None:
                rows.append(row)
    manifest = out_dir / "manifest.tsv"
    write_manifest(manifest, rows, COLUMNS)
    hours = sum(float(r["duration"]) for r in rows) / 3600
    _LOGGER.info(
        "wrote %d utterances (%.1f h) to %s (%d failed)",
        len(rows),
        hours,
        manifest,
        len(jobs) - len(rows),
    )
    return manifest


def _engine_weights(value: str) -> dict[str, float]:
    """``--engine-weights``: ``ENGINE=WEIGHT`` pairs separated by commas."""
    weights = {}
    for pair in filter(None, value.split(",")):
        name, _, number = pair.partition("=")
        try:
            weight = float(number)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{pair!r} is not ENGINE=WEIGHT") from None
        if name not in ENGINE_WEIGHTS or weight < 0:
            raise argparse.ArgumentTypeError(
                f"{pair!r}: want one of {', '.join(ENGINE_WEIGHTS)} and a weight >= 0"
            )
        weights[name] = weight
    return weights


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/tts"), help="output folder")
    parser.add_argument("--utterances", type=int, default=30000, help="training utterances")
    parser.add_argument(
        "--test-utterances",
        type=int,
        default=400,
        help="utterances from held-out engines (pico), for measurement only",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed of texts, voices and prosody")
    parser.add_argument("--workers", type=int, default=2, help="parallel synthesis processes")
    parser.add_argument(
        "--engines",
        default=",".join(DEFAULT_ENGINES),
        help=f"comma-separated engines to use, of {','.join(TRAIN_ENGINES + HELD_OUT_ENGINES)}",
    )
    parser.add_argument(
        "--engine-weights",
        type=_engine_weights,
        default={},
        help="how often engines speak, e.g. mbrola-accent=0.6 (default: "
        + ",".join(f"{k}={v}" for k, v in ENGINE_WEIGHTS.items())
        + ")",
    )
    parser.add_argument(
        "--splits",
        default="train,test",
        help="which splits to make: test alone makes just the held-out set of the corpus that "
        "--utterances and --seed plan (a clean checkout's measurement set, in seconds)",
    )
    args = parser.parse_args(argv)
    splits = tuple(args.splits.split(","))
    if not set(splits) <= {"train", "test"}:
        parser.error(f"--splits takes train and/or test, got {args.splits!r}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    synthesize_corpus(
        args.out,
        args.utterances,
        args.test_utterances,
        args.seed,
        args.workers,
        tuple(args.engines.split(",")),
        args.engine_weights,
        splits,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
