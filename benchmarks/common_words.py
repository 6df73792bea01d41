"""Dictation read as common words: word error rate of greedy text against the word reading
(``assistant.decoding.words``) at several allowances and language-model weights.

    .venv/bin/python benchmarks/common_words.py [--model assistant/models/bilstm_ctc.onnx]

Whole utterances of two broad-vocabulary sets, decoded by the bundled model: every fourth of
speechocean762 test (real accented voices, 625) and all 400 held-out pico sentences in
``data/tts`` (skipped when absent). For each language-model weight (a row; 0 weighs readings
by sound alone) and allowance (a column: nats per heard word outside the list), the WER when
the word reading replaces the greedy text as ``WordReadings.choose`` decides; this is how
``WordsConfig.allowance`` and ``WordsConfig.lm_weight`` were chosen.

What a larger allowance costs shows in a second table, on every speechocean762 test utterance
holding a word that the list lacks (142 utterances, 152 such words: names, possessives, rare
words): their WER, and how many of those words the text still spells right.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from assistant.audio.files import load_audio
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.words import WordsConfig, common_words, word_readings
from assistant.recognizer import Recognizer, default_model_path
from models.data.dataset import load_tts_corpus
from models.data.real_speech import load_corpus
from models.evaluate import score

ALLOWANCES = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0)
LM_WEIGHTS = (0.0, 0.5, 1.0, 2.0)


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


def readings(
    recognizer: Recognizer, paths: Sequence[Path]
) -> tuple[list[str], dict[tuple[float, float], list[str]], float]:
    """The greedy text of each file, its text for each (lm_weight, allowance), and the median
    milliseconds the word reading took per file."""
    greedy: list[str] = []
    reading_ms: list[float] = []
    chosen: dict[tuple[float, float], list[str]] = {
        (w, a): [] for w in LM_WEIGHTS for a in ALLOWANCES
    }
    for path in paths:
        log_probs = recognizer.log_probs(load_audio(path))
        text = greedy_decode(log_probs)
        start = time.perf_counter()
        found = word_readings(log_probs, text, WordsConfig().nbest)  # decoded once, judged often
        reading_ms.append((time.perf_counter() - start) * 1000)
        greedy.append(text)
        for (weight, allowance), texts in chosen.items():
            texts.append(text if found is None else found.choose(allowance, weight))
    return greedy, chosen, statistics.median(reading_ms) if reading_ms else 0.0


def table(name: str, references: list[str], paths: Sequence[Path], recognizer: Recognizer) -> None:
    """Print WER % of the greedy text, then one row per language-model weight."""
    greedy, chosen, reading_ms = readings(recognizer, paths)
    header = " ".join(f"{a:>6g}" for a in ALLOWANCES)
    greedy_wer = score(name, references, greedy).wer
    print(
        f"{name} ({len(references)} utterances): greedy {100 * greedy_wer:.1f}; "
        f"the word reading takes {reading_ms:.1f} ms per utterance (median, one process)"
    )
    print(f"  {'lm weight':>9}  allowance {header}")
    for weight in LM_WEIGHTS:
        figures = [score(name, references, chosen[weight, a]).wer for a in ALLOWANCES]
        print(f"  {weight:9g}  {'':9} " + " ".join(f"{100 * f:6.1f}" for f in figures))


def main() -> int:
    """Print the WER of each set at each weight and allowance, then the unlisted words kept."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=default_model_path(), help="ONNX model")
    parser.add_argument("--tts-dir", type=Path, default=Path("data/tts"), help="pico test set")
    args = parser.parse_args()
    recognizer = Recognizer(args.model)
    sets = {"speechocean762_test": load_corpus("speechocean762", "test")[::4]}
    if (args.tts_dir / "manifest.tsv").is_file():
        sets["tts_held_out (pico)"] = load_tts_corpus(args.tts_dir, "test")
    print("WER %, greedy and read as common words (rows: lm weight; columns: allowance)")
    for name, utterances in sets.items():
        table(name, [u.transcript for u in utterances], [u.path for u in utterances], recognizer)

    listed = common_words()
    rare = [
        u
        for u in load_corpus("speechocean762", "test")
        if any(word not in listed for word in u.transcript.split())
    ]
    references = [u.transcript for u in rare]
    greedy, chosen, _ = readings(recognizer, [u.path for u in rare])
    total, kept_greedy = unlisted_kept(references, greedy, listed)
    print()
    print(
        f"speechocean762 test utterances holding words the list lacks: {len(rare)} "
        f"({total} such words; greedy: WER {100 * score('rare', references, greedy).wer:.1f} %, "
        f"{100 * kept_greedy / total:.1f} % of them right)"
    )
    print(f"  {'lm weight':>9}  allowance " + " ".join(f"{a:>11g}" for a in ALLOWANCES))
    for weight in LM_WEIGHTS:
        cells = []
        for allowance in ALLOWANCES:
            texts = chosen[weight, allowance]
            kept = unlisted_kept(references, texts, listed)[1]
            wer = score("rare", references, texts).wer
            cells.append(f"{100 * wer:5.1f}/{100 * kept / total:4.1f}")
        print(f"  {weight:9g}  {'':9} " + " ".join(f"{c:>11}" for c in cells))
    print("  (each cell: WER % / unlisted words right %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
