"""Helpers shared by the benchmark scripts: models to time, real speech to feed them.

Not part of the runtime. ``tiny_models`` needs the ``train`` extra (torch) and is only used
when no trained model is available.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from assistant.audio.files import load_audio
from assistant.features import SAMPLE_RATE
from assistant.recognizer import MODEL_DIR

_LOGGER = logging.getLogger(__name__)

SPEECH_DIR = Path(
    os.environ.get(
        "ASSISTANT_SPEECH_DIR", Path(__file__).resolve().parents[2] / "shared" / "data" / "speech"
    )
)
"""The shared real-speech folder (see models/data/real_speech.py)."""


def bundled_models() -> list[Path]:
    """The fp32 and int8 models in assistant/models/, fp32 first; empty when none."""
    return sorted(MODEL_DIR.glob("*.onnx"), key=lambda p: (".int8" in p.name, p.name))


def tiny_models(folder: Path) -> list[Path]:
    """Export an untrained 'tiny' preset model (fp32 and int8) into ``folder``; needs torch."""
    from assistant.features import FeatureConfig
    from export.onnx_export import export_onnx
    from export.quantize import quantize_int8
    from models.model import build_model

    fp32 = export_onnx(
        build_model(preset="tiny"), FeatureConfig(), folder / "tiny.onnx", "untrained tiny"
    )
    return [fp32, quantize_int8(fp32, folder / "tiny.int8.onnx")]


def models_or_tiny(given: list[Path] | None) -> tuple[list[Path], bool]:
    """``given``, else the bundled models, else freshly exported tiny ones; and whether tiny."""
    if given:
        return given, False
    found = bundled_models()
    if found:
        return found, False
    folder = Path(tempfile.mkdtemp(prefix="bench-tiny-"))
    print(f"no model in {MODEL_DIR}: exporting an untrained tiny model to {folder}")
    return tiny_models(folder), True


def speech_clips(limit: int = 20) -> tuple[list[np.ndarray], str]:
    """Real recorded speech (16 kHz float32) and where it came from; espeak-ng as a fallback."""
    clips: list[np.ndarray] = []
    for folder, pattern in (
        ("pocketsphinx_fixtures", "audio/*.flac"),
        ("speechocean762", "audio/test/**/*.opus"),
        ("speechocean762", "audio/**/*.opus"),
    ):
        for path in sorted((SPEECH_DIR / folder).glob(pattern))[:limit]:
            clips.append(load_audio(path))
        if len(clips) >= limit:
            return clips[:limit], f"real speech from {SPEECH_DIR}"
    if clips:
        return clips, f"real speech from {SPEECH_DIR}"
    espeak = shutil.which("espeak-ng")
    if espeak is None:  # e.g. a bare GPU machine: timing barely depends on what is said
        rng = np.random.default_rng(0)
        t = np.arange(2 * SAMPLE_RATE) / SAMPLE_RATE
        tone = np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
        noise = 0.01 * rng.standard_normal(t.size)
        clip = (0.3 * tone + noise).astype(np.float32)
        return [clip], "SYNTHETIC tones (no speech, no espeak-ng)"
    sentences = ["set a timer for ten minutes", "what time is it", "open the web browser"]
    with tempfile.TemporaryDirectory() as tmp:
        for i, text in enumerate(sentences):
            wav = Path(tmp) / f"{i}.wav"
            subprocess.run([espeak, "-w", str(wav), text], check=True, capture_output=True)
            clips.append(load_audio(wav))
    return clips, "speech synthesised with espeak-ng"


def fit_length(clips: list[np.ndarray], seconds: float) -> np.ndarray:
    """``seconds`` of audio: clips joined end to end (with 0.2 s gaps) then cut, or padded."""
    wanted = int(seconds * SAMPLE_RATE)
    gap = np.zeros(SAMPLE_RATE // 5, np.float32)
    parts: list[np.ndarray] = []
    size = 0
    for clip in clips:
        if size >= wanted:
            break
        parts += [clip, gap]
        size += clip.size + gap.size
    audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return np.pad(audio[:wanted], (0, max(0, wanted - audio.size))).astype(np.float32)


def rss_bytes() -> int:
    """Resident set size of this process now (Linux /proc), else the peak from getrusage."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def native_threads() -> int:
    """Operating-system threads of this process (onnxruntime's included); -1 if unknown."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return -1
