"""Evaluation: greedy CER and WER of a model on sets of utterances.

python -m models.evaluate --checkpoint runs/base/averaged.pt
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torchaudio

from assistant.decoding.greedy import greedy_decode
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


def transcribe_batch(
    model: AcousticModel,
    utterances: Sequence[Utterance],
    feature_config: FeatureConfig,
    batch_size: int = 16,
) -> list[str]:
    """Greedy transcripts of ``utterances`` (no augmentation)."""
    dataset = SpeechDataset(utterances, feature_config)
    order = sorted(range(len(utterances)), key=lambda i: utterances[i].duration)
    texts = [""] * len(utterances)
    model.eval()
    with torch.inference_mode():
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            batch = collate([dataset[i] for i in chunk])
            log_probs, lengths = model(batch["features"], batch["lengths"])
            for j, i in enumerate(chunk):
                texts[i] = greedy_decode(log_probs[j, : lengths[j]].numpy())
    return texts


def score(name: str, references: Sequence[str], hypotheses: Sequence[str]) -> SetResult:
    """CER, WER and exact-match rate of ``hypotheses`` against ``references``."""
    char_errors = sum(
        torchaudio.functional.edit_distance(r, h)
        for r, h in zip(references, hypotheses, strict=True)
    )
    word_errors = sum(
        torchaudio.functional.edit_distance(r.split(), h.split())
        for r, h in zip(references, hypotheses, strict=True)
    )
    chars = max(1, sum(len(r) for r in references))
    words = max(1, sum(len(r.split()) for r in references))
    exact = sum(r == h for r, h in zip(references, hypotheses, strict=True))
    return SetResult(
        name,
        len(references),
        char_errors / chars,
        word_errors / words,
        exact / max(1, len(references)),
    )


def evaluate_set(
    model: AcousticModel, name: str, utterances: Sequence[Utterance], feature_config: FeatureConfig
) -> SetResult:
    """Greedy scores of ``model`` on one set."""
    hypotheses = transcribe_batch(model, utterances, feature_config)
    return score(name, [u.transcript for u in utterances], hypotheses)


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


def format_table(results: Sequence[SetResult]) -> str:
    """A plain-text table of results."""
    lines = [f"{'set':<22} {'utts':>5} {'CER %':>7} {'WER %':>7} {'exact %':>8}"]
    for r in results:
        lines.append(
            f"{r.name:<22} {r.utterances:>5} {100 * r.cer:>7.1f} {100 * r.wer:>7.1f} "
            f"{100 * r.sentence_accuracy:>8.1f}"
        )
    return "\n".join(lines)


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
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    torch.set_num_threads(args.threads)
    model, feature_config, _ = model_from_checkpoint(args.checkpoint)
    results = []
    for name, utterances in dev_sets(args.tts_dir, args.limit).items():
        start = time.perf_counter()
        results.append(evaluate_set(model, name, utterances, feature_config))
        _LOGGER.info("%s done in %.1f s", name, time.perf_counter() - start)
    print(format_table(results))
    if args.json is not None:
        args.json.write_text(json.dumps([r.__dict__ for r in results], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
