"""Dictation read as common words: word error rate of greedy text against the word reading
(``assistant.decoding.words``) at several allowances.

    .venv/bin/python benchmarks/common_words.py [--model assistant/models/bilstm_ctc.onnx]

Whole utterances of two broad-vocabulary sets, decoded by the bundled model: every fourth of
speechocean762 test (real accented voices, 625) and all 400 held-out pico sentences in
``data/tts`` (skipped when absent). For each allowance (nats per heard word
outside the list), the WER when the word reading replaces the greedy text within it; this is
how ``WordsConfig.allowance`` was chosen.

What a larger allowance costs shows in a second table, on every speechocean762 test utterance
holding a word that the list lacks (142 utterances, 152 such words: names, possessives, rare
words): their WER, and how many of those words the text still spells right, at each allowance.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from assistant.audio.files import load_audio
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import common_words, word_reading
from assistant.recognizer import Recognizer, default_model_path
from models.data.dataset import load_tts_corpus
from models.data.real_speech import load_corpus
from models.evaluate import score

ALLOWANCES = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 1e9)


def unlisted_kept(
    references: Sequence[str], texts: Sequence[str], listed: frozenset[str]
) -> tuple[int, int]:
    """Reference words outside ``listed``, and how many of them each text also holds (as
    many times as the reference does at most, anywhere in the utterance)."""
    total = kept = 0
    for reference, text in zip(references, texts, strict=True):
        unlisted = Counter(word for word in reference.split() if word not in listed)
        total += sum(unlisted.values())
        kept += sum((unlisted & Counter(text.split())).values())
    return total, kept


def readings(recognizer: Recognizer, paths: Sequence[Path]) -> list[list[str]]:
    """Texts of the files as columns: the greedy text, then the text at each allowance."""
    columns: list[list[str]] = [[] for _ in range(1 + len(ALLOWANCES))]
    for path in paths:
        log_probs = recognizer.log_probs(load_audio(path))
        text = greedy_decode(log_probs)
        reading = word_reading(log_probs, text)  # decoded once, judged at each allowance
        texts = [text] + [
            reading.text if reading is not None and reading.within(a) else text for a in ALLOWANCES
        ]
        for column, chosen in zip(columns, texts, strict=True):
            column.append(chosen)
    return columns


def main() -> int:
    """Print the WER of each set at each allowance, then the unlisted words kept."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument("--tts-dir", type=Path, default=Path("data/tts"), help="pico test set")
    args = parser.parse_args()
    recognizer = Recognizer(args.model)
    sets = {"speechocean762_test": load_corpus("speechocean762", "test")[::4]}
    if (args.tts_dir / "manifest.tsv").is_file():
        sets["tts_held_out (pico)"] = load_tts_corpus(args.tts_dir, "test")
    print("WER %; 'always': the word reading whatever it costs, where a heard word is not listed")
    header = " ".join(f"{a:>6g}" for a in ALLOWANCES[:-1]) + " always"
    print(f"{'set':22} {'n':>4} {'greedy':>7} {header}")
    for name, utterances in sets.items():
        references = [u.transcript for u in utterances]
        columns = readings(recognizer, [u.path for u in utterances])
        figures = [score(name, references, texts).wer for texts in columns]
        print(f"{name:22} {len(utterances):4} " + " ".join(f"{100 * f:6.1f}" for f in figures))

    listed = common_words()
    rare = [
        u
        for u in load_corpus("speechocean762", "test")
        if any(word not in listed for word in u.transcript.split())
    ]
    references = [u.transcript for u in rare]
    columns = readings(recognizer, [u.path for u in rare])
    print()
    print(f"speechocean762 test utterances holding words the list lacks: {len(rare)}")
    print(f"{'':22} {'words':>5} {'greedy':>7} {header}")
    wer = [score("rare", references, texts).wer for texts in columns]
    print(f"{'WER %':22} {'':5} " + " ".join(f"{100 * f:6.1f}" for f in wer))
    total, _ = unlisted_kept(references, columns[0], listed)
    kept = [unlisted_kept(references, texts, listed)[1] for texts in columns]
    print(f"{'unlisted right %':22} {total:5} " + " ".join(f"{100 * k / total:6.1f}" for k in kept))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
