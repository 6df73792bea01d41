"""Dictation read as common words: word error rate of greedy text against the word reading
(``assistant.decoding.words``) at several allowances.

    .venv/bin/python benchmarks/common_words.py [--model assistant/models/bilstm_ctc.onnx]

Whole utterances of two broad-vocabulary sets, decoded by the bundled model: every fourth of
speechocean762 test (real accented voices, 625) and all 400 held-out pico sentences in
``data/tts`` (skipped when absent). For each allowance (nats per heard word
outside the list), the WER when the word reading replaces the greedy text within it; this is
how ``WordsConfig.allowance`` was chosen.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from assistant.audio.files import load_audio
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import word_reading
from assistant.recognizer import Recognizer, default_model_path
from models.data.dataset import load_tts_corpus
from models.data.real_speech import load_corpus
from models.evaluate import score

ALLOWANCES = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 1e9)


def main() -> int:
    """Print one row per set: greedy WER, then the WER at each allowance."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument("--tts-dir", type=Path, default=Path("data/tts"), help="pico test set")
    args = parser.parse_args()
    recognizer = Recognizer(args.model)
    sets = {"speechocean762_test": load_corpus("speechocean762", "test")[::4]}
    if (args.tts_dir / "manifest.tsv").is_file():
        sets["tts_held_out (pico)"] = load_tts_corpus(args.tts_dir, "test")
    print("WER %; 'always': the word reading whatever it costs, where a heard word is not listed")
    print(
        f"{'set':22} {'n':>4} {'greedy':>7} "
        + " ".join(f"{a:>6g}" for a in ALLOWANCES[:-1])
        + " always"
    )
    for name, utterances in sets.items():
        references, greedy, read = [u.transcript for u in utterances], [], []
        for utterance in utterances:
            log_probs = recognizer.log_probs(load_audio(utterance.path))
            text = greedy_decode(log_probs)
            greedy.append(text)
            reading = word_reading(log_probs, text)  # decoded once, judged at each allowance
            read.append(
                [
                    reading.text if reading is not None and reading.within(a) else text
                    for a in ALLOWANCES
                ]
            )
        figures = [score(name, references, greedy).wer]
        figures += [
            score(name, references, [r[i] for r in read]).wer for i in range(len(ALLOWANCES))
        ]
        print(f"{name:22} {len(utterances):4} " + " ".join(f"{100 * f:6.1f}" for f in figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
