"""Greedy CER of a model on each TTS voice: which voices it hears well and which it has never met.

    .venv/bin/python benchmarks/voices.py [--model assistant/models/bilstm_ctc.onnx]
        [--engines mbrola-accent,mbrola,pico] [--sentences 12] [--seed 5]

Every voice of the named engines says the same sentences (30 % assistant commands, 70 % runs
of common words; ``models.data.texts``), finished as the corpus synthesiser finishes its audio,
and the model reads them greedily. Needs the engines installed (``scripts/setup.sh tts``).
"""

from __future__ import annotations

import argparse

import numpy as np

from assistant.pipeline import transcribe
from assistant.recognizer import Recognizer, default_model_path
from models.data.synthesize import finish_audio, render_speech
from models.data.texts import TextMix, sentences
from models.data.voices import ENGINE_PROGRAMS, missing_programs, voices_of
from models.evaluate import char_errors


def main() -> int:
    """Print one row per voice: its CER on the shared sentences."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(default_model_path()), help="ONNX model")
    parser.add_argument("--engines", default="mbrola-accent,mbrola,pico", help="comma-separated")
    parser.add_argument("--sentences", type=int, default=12, help="sentences per voice")
    parser.add_argument("--seed", type=int, default=5, help="seed of the sentences")
    args = parser.parse_args()
    unknown = sorted(set(args.engines.split(",")) - set(ENGINE_PROGRAMS))
    if unknown:
        parser.error(f"unknown engines {unknown}; known: {', '.join(ENGINE_PROGRAMS)}")
    recognizer = Recognizer(args.model)
    mix = TextMix(commands=0.3, broad=0.7, numbers=0.0, letters=0.0, single_words=0.0)
    texts = list(sentences(args.sentences, args.seed, mix))
    print(f"model {args.model}; {len(texts)} sentences per voice")
    print(f"{'engine':<15} {'voice':<14} {'CER %':>6}")
    for engine in args.engines.split(","):
        if missing_programs(engine):
            print(f"{engine:<15} skipped: {', '.join(missing_programs(engine))} not installed")
            continue
        for voice in voices_of(engine):
            heard = []
            for i, text in enumerate(texts):
                audio, rate = render_speech(voice, text, 100 + i)
                audio = finish_audio(audio, rate, np.random.default_rng(i))
                heard.append(transcribe(audio, recognizer).text)
            cer = 100 * char_errors(texts, heard).cer
            print(f"{engine:<15} {voice.name:<14} {cer:>6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
