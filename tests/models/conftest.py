"""Fixtures of the training-side tests: a tiny synthetic corpus made without TTS."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from models.data.manifests import write_manifest
from models.data.synthesize import COLUMNS

TINY_TRANSCRIPTS = (
    ("go", "train"),
    ("yes", "train"),
    ("no", "train"),
    ("stop", "train"),
    ("one two", "train"),
    ("open music", "train"),
    ("turn it up", "train"),
    ("a b c", "train"),
    ("seven", "train"),
    ("hey computer", "test"),
    ("what time is it", "test"),
    ("cancel", "test"),
)
"""Transcript and split of each utterance of the tiny corpus (9 train, 3 test)."""


def tone_pattern(text: str, rng: np.random.Generator) -> np.ndarray:
    """16 kHz float32 audio: one 80 ms tone per character (pitch from the letter), in noise."""
    segments = [np.zeros(int(0.05 * 16000), np.float32)]
    t = np.arange(int(0.08 * 16000)) / 16000
    for char in text:
        if char == " ":
            segments.append(np.zeros(t.size, np.float32))
            continue
        freq = 300.0 + 90.0 * (ord(char) - ord("a"))
        envelope = np.sin(np.pi * t / t[-1])
        segments.append((0.4 * envelope * np.sin(2 * np.pi * freq * t)).astype(np.float32))
    segments.append(np.zeros(int(0.05 * 16000), np.float32))
    audio = np.concatenate(segments)
    return (audio + 0.01 * rng.standard_normal(audio.size)).astype(np.float32)


def write_tiny_corpus(folder: Path) -> Path:
    """Write the FLAC files and manifest.tsv (models.data.synthesize's format); the manifest."""
    rng = np.random.default_rng(0)
    rows = []
    for index, (text, split) in enumerate(TINY_TRANSCRIPTS):
        speaker = f"tone_{index % 3}"
        relative = f"audio/{split}/{speaker}/{index:07d}.flac"
        audio = tone_pattern(text, rng)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        sf.write(str(folder / relative), audio, 16000, subtype="PCM_16")
        rows.append(
            {
                "path": relative,
                "transcript": text,
                "speaker": speaker,
                "engine": "tones",
                "split": split,
                "duration": f"{audio.size / 16000:.3f}",
            }
        )
    manifest = folder / "manifest.tsv"
    write_manifest(manifest, rows, COLUMNS)
    return manifest


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a 12-utterance tone corpus with a manifest like a synthesised one."""
    folder = tmp_path_factory.mktemp("tiny_corpus")
    write_tiny_corpus(folder)
    return folder
