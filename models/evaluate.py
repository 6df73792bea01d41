"""Evaluation: greedy CER and WER of a model on sets of utterances.

python -m models.evaluate --checkpoint runs/base/averaged.pt
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torchaudio

from assistant.decoding.constrained import constrained_decode
from assistant.decoding.greedy import greedy_decode
from assistant.decoding.lexicon import lexicon_graph
from assistant.features import FeatureConfig
from models.data.dataset import SpeechDataset, collate, load_tts_corpus
from models.data.manifests import Utterance
from models.data.real_speech import CORPORA, load_corpus
from models.errors import DataError
from models.model import AcousticModel

_LOGGER = logging.getLogger(__name__)


@dataclass(frozen=True)
class SetResult:
    """Scores of one evaluation set."""

    name: str
    utterances: int
    cer: float
    """Character error rate, errors / reference characters."""
    wer: float
    """Word error rate, errors / reference words."""
    sentence_accuracy: float
    """Share of utterances transcribed exactly."""
    lexicon_wer: float | None = None
    """WER when decoding is restricted to the set's word or phrase list (None: no list)."""
    lexicon_accuracy: float | None = None
    """Share of utterances exactly right with the word or phrase list."""


def log_probs_batch(
    model: AcousticModel,
    utterances: Sequence[Utterance],
    feature_config: FeatureConfig,
    batch_size: int = 16,
) -> list[np.ndarray]:
    """Per-utterance (T, V) log-probs of ``utterances`` (no augmentation)."""
    dataset = SpeechDataset(utterances, feature_config)
    order = sorted(range(len(utterances)), key=lambda i: utterances[i].duration)
    outputs: list[np.ndarray] = [np.empty(0)] * len(utterances)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = collate([dataset[i] for i in chunk])
            log_probs, lengths = model(batch["features"], batch["lengths"])
            for j, i in enumerate(chunk):
                outputs[i] = log_probs[j, : lengths[j]].numpy()
    return outputs


def transcribe_batch(
    model: AcousticModel,
    utterances: Sequence[Utterance],
    feature_config: FeatureConfig,
    batch_size: int = 16,
) -> list[str]:
    """Greedy transcripts of ``utterances`` (no augmentation)."""
    return [
        greedy_decode(lp) for lp in log_probs_batch(model, utterances, feature_config, batch_size)
    ]


@dataclass(frozen=True)
class CharErrors:
    """Per-utterance character errors of one transcription of a set, and reference lengths."""

    errors: np.ndarray
    lengths: np.ndarray

    @property
    def cer(self) -> float:
        """Errors over reference characters."""
        return float(self.errors.sum() / max(1, self.lengths.sum()))


def char_errors(references: Sequence[str], hypotheses: Sequence[str]) -> CharErrors:
    """Edit distance and reference length of each utterance."""
    errors = [
        torchaudio.functional.edit_distance(r, h)
        for r, h in zip(references, hypotheses, strict=True)
    ]
    return CharErrors(
        np.asarray(errors, dtype=np.int64), np.asarray([len(r) for r in references], np.int64)
    )


def score(name: str, references: Sequence[str], hypotheses: Sequence[str]) -> SetResult:
    """CER, WER and exact-match rate of ``hypotheses`` against ``references``."""
    word_errors = sum(
        torchaudio.functional.edit_distance(r.split(), h.split())
        for r, h in zip(references, hypotheses, strict=True)
    )
    words = max(1, sum(len(r.split()) for r in references))
    exact = sum(r == h for r, h in zip(references, hypotheses, strict=True))
    return SetResult(
        name,
        len(references),
        char_errors(references, hypotheses).cer,
        word_errors / words,
        exact / max(1, len(references)),
    )


def lexicon_of(name: str) -> tuple[list[str], bool] | None:
    """The word list (loop) or phrase list of a measurement set, from its whole corpus."""
    corpus = name.removesuffix("_test")
    if corpus not in ("an4", "fsdd", "gsc_subsets", "picovoice_wwb"):
        return None
    try:
        transcripts = {u.transcript for u in load_corpus(corpus)}
    except DataError:
        return None
    if corpus == "an4":
        return sorted({w for t in transcripts for w in t.split()}), True
    return sorted(transcripts), False


def evaluate_set(
    model: AcousticModel,
    name: str,
    utterances: Sequence[Utterance],
    feature_config: FeatureConfig,
    with_lexicon: bool = False,
) -> SetResult:
    """Greedy scores of ``model`` on one set; with ``with_lexicon`` also word-list scores."""
    outputs = log_probs_batch(model, utterances, feature_config)
    references = [u.transcript for u in utterances]
    result = score(name, references, [greedy_decode(lp) for lp in outputs])
    lexicon = lexicon_of(name) if with_lexicon else None
    if lexicon is None:
        return result
    graph = lexicon_graph(lexicon[0], loop=lexicon[1])
    restricted = []
    for lp in outputs:
        found = constrained_decode(lp, graph)
        restricted.append(found[0].text if found else "")
    constrained = score(name, references, restricted)
    return replace(
        result, lexicon_wer=constrained.wer, lexicon_accuracy=constrained.sentence_accuracy
    )


def dev_record(step: int, results: Sequence[SetResult]) -> dict[str, object]:
    """The ``metrics.jsonl`` row of one dev evaluation (read by models.average and .curves)."""
    return {
        "kind": "dev",
        "step": step,
        "cer": {r.name: r.cer for r in results},
        "wer": {r.name: r.wer for r in results},
    }


def dev_sets(
    tts_dir: Path | None, limit: int | None = None, corpora: tuple[str, ...] = CORPORA
) -> dict[str, list[Utterance]]:
    """The measurement sets that are present: held-out TTS voices and real speech."""
    sets: dict[str, list[Utterance]] = {}
    if tts_dir is not None and (tts_dir / "manifest.tsv").is_file():
        sets["tts_held_out"] = load_tts_corpus(tts_dir, "test")
    for corpus in corpora:
        try:
            sets[f"{corpus}_test"] = load_corpus(corpus, "test")
        except DataError as e:  # a missing corpus is reported, not fatal
            _LOGGER.warning("skipping %s: %s", corpus, e)
    if limit is not None:
        # a fixed, spread-out subset so numbers are comparable across a run
        sets = {k: v[:: max(1, len(v) // limit)][:limit] for k, v in sets.items()}
    return sets


def format_table(results: Sequence[SetResult], markdown: bool = False) -> str:
    """A table of results: greedy CER, WER, exact rate, and word-list WER and accuracy."""

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{100 * value:.1f}"

    header = ["set", "utts", "CER %", "WER %", "exact %", "list WER %", "list acc %"]
    rows = [
        [
            r.name,
            str(r.utterances),
            pct(r.cer),
            pct(r.wer),
            pct(r.sentence_accuracy),
            pct(r.lexicon_wer),
            pct(r.lexicon_accuracy),
        ]
        for r in results
    ]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [22, 5, 7, 7, 8, 11, 11]
    return "\n".join(
        f"{row[0]:<{widths[0]}}"
        + "".join(f" {c:>{w}}" for c, w in zip(row[1:], widths[1:], strict=True))
        for row in [header, *rows]
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point: print the table of every measurement set."""
    from models.checkpoint import model_from_checkpoint

    parser = argparse.ArgumentParser(description="Greedy CER/WER of a checkpoint on the dev sets")
    parser.add_argument("--checkpoint", type=Path, required=True, help="checkpoint .pt file")
    parser.add_argument(
        "--tts-dir",
        type=Path,
        default=Path("data/tts"),
        help="synthesised corpus with a held-out 'test' split",
    )
    parser.add_argument("--limit", type=int, default=None, help="utterances per set at most")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    model, feature_config, _ = model_from_checkpoint(args.checkpoint)
    results = []
    for name, utterances in dev_sets(args.tts_dir, args.limit).items():
        start = time.perf_counter()
        results.append(evaluate_set(model, name, utterances, feature_config, with_lexicon=True))
        _LOGGER.info("%s done in %.1f s", name, time.perf_counter() - start)
    print(format_table(results, markdown=args.markdown))
    if args.json is not None:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
