"""Our model against PocketSphinx (US English model) under the same word grammars.

    .venv/bin/python benchmarks/vs_pocketsphinx.py [--model PATH] [--limit 50] [--json FILE]

Decodes the held-out real speech of three sets (models/data/real_speech.py splits) with both
recognisers restricted to the same vocabulary: gsc_subsets test (one of its 35 words), fsdd
speaker 'theo' (one digit word), an4 test (any sequence of AN4's words). Ours: the ONNX model
and grammar-constrained CTC decoding of ``lexicon_graph`` (as models/evaluate.py scores it).
PocketSphinx: an equivalent JSGF grammar. Prints exact-match accuracy, WER and milliseconds
per utterance for both, and their ratios. Needs ``pip install -e '.[bench,train]'``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from assistant.audio.files import load_audio
from assistant.decoding.lexicon import lexicon_graph
from assistant.pipeline import TranscribeOptions, transcribe
from assistant.recognizer import Recognizer, default_model_path

# (set name, corpus, split) as models/evaluate.py names them.
SETS = (("gsc_subsets_test", "gsc_subsets"), ("fsdd_test", "fsdd"), ("an4_test", "an4"))


@dataclass(frozen=True)
class Comparison:
    """Both recognisers on one set."""

    name: str
    utterances: int
    ours_accuracy: float
    ours_wer: float
    ours_ms: float
    sphinx_accuracy: float
    sphinx_wer: float
    sphinx_ms: float
    sphinx_missing_words: list[str]
    """Vocabulary words PocketSphinx's dictionary lacks (it can never say them)."""


def jsgf(words: list[str], loop: bool) -> str:
    """A JSGF grammar: one of ``words``, or (``loop``) any sequence of them."""
    body = " | ".join(words)
    rule = "<word>*" if loop else "( <word> )"
    return f"#JSGF V1.0;\ngrammar bench;\n<word> = {body};\npublic <utterance> = {rule};\n"


def sphinx_decoder(words: list[str], loop: bool, beam: float) -> tuple[object, list[str]]:
    """A PocketSphinx decoder searching the JSGF grammar of the words it knows, and the rest.

    ``beam`` replaces PocketSphinx's default HMM beams (1e-48), with which a looping grammar of
    AN4's 101 words takes about 20 s per utterance; the word beam is set 1e5 wider.
    """
    from pocketsphinx import Decoder

    decoder = Decoder(samprate=16000, loglevel="FATAL", beam=beam, pbeam=beam, wbeam=beam * 1e5)
    known = [w for w in words if decoder.lookup_word(w) is not None]
    decoder.add_jsgf_string("bench", jsgf(known, loop))
    decoder.activate_search("bench")
    return decoder, sorted(set(words) - set(known))


def sphinx_text(decoder: object, audio: np.ndarray) -> str:
    """PocketSphinx's hypothesis for 16 kHz float audio."""
    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
    decoder.start_utt()  # type: ignore[attr-defined]
    decoder.process_raw(pcm, full_utt=True)  # type: ignore[attr-defined]
    decoder.end_utt()  # type: ignore[attr-defined]
    hyp = decoder.hyp()  # type: ignore[attr-defined]
    return " ".join(hyp.hypstr.split()) if hyp is not None else ""


def compare(
    recognizer: Recognizer, name: str, corpus: str, limit: int, beam: float
) -> Comparison | None:
    """Decode up to ``limit`` test utterances of ``corpus`` with both; None when absent."""
    from models.data.real_speech import load_corpus
    from models.errors import DataError
    from models.evaluate import lexicon_of, score

    try:
        every = load_corpus(corpus, "test")
        # spread over the set: manifests are sorted (FSDD by digit), the head is not a sample
        utterances = every[:: max(1, len(every) // limit)][:limit]
    except DataError as e:
        print(f"{name}: skipped ({e})")
        return None
    lexicon = lexicon_of(name)
    if lexicon is None or not utterances:
        print(f"{name}: skipped (no utterances or no word list)")
        return None
    words, loop = lexicon
    options = TranscribeOptions(words=lexicon_graph(words, loop=loop))
    decoder, missing = sphinx_decoder(words, loop, beam)
    references, ours, theirs = [], [], []
    ours_ms, theirs_ms = [], []
    for utterance in utterances:
        audio = load_audio(utterance.path)
        start = time.perf_counter()
        found = transcribe(audio, recognizer, options)
        mid = time.perf_counter()
        heard = sphinx_text(decoder, audio)
        end = time.perf_counter()
        references.append(utterance.transcript)
        ours.append(found.text)
        theirs.append(heard)
        ours_ms.append((mid - start) * 1000)
        theirs_ms.append((end - mid) * 1000)
    a = score(name, references, ours)
    b = score(name, references, theirs)
    return Comparison(
        name=name,
        utterances=len(references),
        ours_accuracy=round(a.sentence_accuracy, 4),
        ours_wer=round(a.wer, 4),
        ours_ms=round(float(np.mean(ours_ms)), 2),
        sphinx_accuracy=round(b.sentence_accuracy, 4),
        sphinx_wer=round(b.wer, 4),
        sphinx_ms=round(float(np.mean(theirs_ms)), 2),
        sphinx_missing_words=missing,
    )


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b else "-"


def format_table(results: list[Comparison]) -> str:
    """One line per set: accuracy, WER and ms/utterance of ours and PocketSphinx, ratios."""
    header = (
        f"{'set':<18} {'n':>4} | {'ours acc':>8} {'WER':>6} {'ms':>7} | {'ps acc':>8} {'WER':>6} "
        f"{'ms':>7} | {'acc ratio':>9} {'speed x':>7}"
    )
    lines = [header, "-" * len(header)]
    for r in results:
        lines.append(
            f"{r.name:<18} {r.utterances:>4} | {r.ours_accuracy:>8.1%} {r.ours_wer:>6.1%} "
            f"{r.ours_ms:>7.1f} | {r.sphinx_accuracy:>8.1%} {r.sphinx_wer:>6.1%} "
            f"{r.sphinx_ms:>7.1f} | {_ratio(r.ours_accuracy, r.sphinx_accuracy):>9} "
            f"{_ratio(r.sphinx_ms, r.ours_ms):>7}"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model",
        type=Path,
        default=default_model_path(),
        help="our ONNX model (default: the bundled fp32 one)",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=1000,
        help="at most N utterances per set (default: 1000, i.e. all)",
    )
    parser.add_argument("--threads", type=int, default=1, help="onnxruntime intra-op threads")
    parser.add_argument(
        "--sphinx-beam",
        type=float,
        default=1e-20,
        help="PocketSphinx HMM beam (its own default, 1e-48, is about 40 times "
        "slower on AN4 for little gain; default: 1e-20)",
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the results to FILE as JSON",
    )
    args = parser.parse_args()
    try:
        import pocketsphinx  # noqa: F401
    except ImportError:
        print("pocketsphinx is not installed: pip install -e '.[bench]' (skipping the comparison)")
        return 0
    if not args.model.is_file():
        print(f"no model at {args.model}: train and export one, or pass --model", file=sys.stderr)
        return 2
    recognizer = Recognizer(args.model, provider="cpu", intra_op_num_threads=args.threads)
    results = []
    for name, corpus in SETS:
        result = compare(recognizer, name, corpus, args.limit, args.sphinx_beam)
        if result is not None:
            results.append(result)
    print(
        f"ours: {args.model.name}, grammar-constrained CTC; PocketSphinx: en-us + JSGF, "
        f"beam {args.sphinx_beam:g}"
    )
    print("acc = exact match; acc ratio = ours / PocketSphinx; speed x = their ms / our ms")
    print(format_table(results))
    for r in results:
        if r.sphinx_missing_words:
            missing = ", ".join(r.sphinx_missing_words)
            print(f"{r.name}: not in PocketSphinx's dictionary: {missing}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
