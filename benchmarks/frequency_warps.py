"""Greedy CER of a model when its mel filters read a frequency-warped spectrum (VTLN-like).

    .venv/bin/python benchmarks/frequency_warps.py [--model assistant/models/bilstm_ctc.onnx]
        [--warps 0.88,0.94,1.0,1.06,1.12] [--tts-dir data/tts]

Asks whether an unseen voice is heard better through other filters, as vocal tract length
normalisation does for speakers: for each measurement set (the held-out pico voices of
``--tts-dir`` and the real test sets; every 4th speechocean762 and every 2nd FSDD utterance)
one CER per fixed warp (``models.augment.warped_filterbank``, the warp training draws from
0.9-1.1), the CER when each utterance takes the warp whose best path is likeliest per frame,
the CER of the posteriors averaged over three and over all warps (a frequency warp keeps the
frames aligned), and the oracle (each utterance's best warp, which no decoder can know).
Pauses are trimmed as the runtime trims them. About 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np

from assistant.audio.endpoint import trim_pauses
from assistant.audio.files import load_audio
from assistant.decoding.greedy import greedy_decode
from assistant.features import log_mel, mel_filterbank
from assistant.recognizer import Recognizer, default_model_path
from models.augment import warped_filterbank
from models.evaluate import char_errors, dev_sets

STRIDES = {"speechocean762_test": 4, "fsdd_test": 2}
"""Every n-th utterance of the larger sets, to keep the run short."""


def _average(log_probs: list[np.ndarray]) -> np.ndarray:
    """Log of the mean posterior of frame-aligned (T, V) log-probs."""
    stacked = np.stack(log_probs)
    return (np.logaddexp.reduce(stacked, axis=0) - np.log(len(log_probs))).astype(np.float32)


def main() -> int:
    """Print one row per set: CER % per warp, chosen, averaged and oracle."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(default_model_path()), help="ONNX model")
    parser.add_argument("--warps", default="0.88,0.94,1.0,1.06,1.12", help="comma-separated")
    parser.add_argument("--tts-dir", type=Path, default=Path("data/tts"), help="pico test set")
    parser.add_argument("--threads", type=int, default=2, help="onnxruntime threads")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    warps = [float(w) for w in args.warps.split(",")]
    if 1.0 not in warps or len(warps) < 3:
        parser.error("--warps needs 1.0 and at least two others")
    recognizer = Recognizer(args.model, intra_op_num_threads=args.threads)
    config = recognizer.info.feature_config
    banks = {w: None if w == 1.0 else warped_filterbank(mel_filterbank(config), w) for w in warps}
    centre = sorted(warps, key=lambda w: abs(w - 1.0))[:3]
    print(f"model {args.model}; greedy CER % through mel filters warped by alpha")
    header = "".join(f"{w:>7.2f}" for w in warps)
    print(f"{'set':<22} {'n':>4}{header}  chosen  avg {len(centre)}  avg {len(warps)}  oracle")
    for name, utterances in dev_sets(args.tts_dir).items():
        utterances = utterances[:: STRIDES.get(name, 1)]
        outputs: dict[float, list[np.ndarray]] = {w: [] for w in warps}
        for utterance in utterances:
            audio = trim_pauses(load_audio(utterance.path, config.sample_rate))
            for w in warps:
                features = log_mel(audio, config, banks[w])
                outputs[w].append(recognizer.log_probs_of_features(features))
        references = [u.transcript for u in utterances]

        def cer_of(log_probs: list[np.ndarray], refs: list[str] = references) -> np.ndarray:
            return char_errors(refs, [greedy_decode(lp) for lp in log_probs]).errors

        errors = np.stack([cer_of(outputs[w]) for w in warps])  # (warps, utterances)
        total = sum(len(r) for r in references)
        fit = np.stack([[float(lp.max(axis=1).mean()) for lp in outputs[w]] for w in warps])
        chosen = errors[fit.argmax(axis=0), np.arange(len(utterances))].sum()
        averaged = [
            cer_of([_average([outputs[w][i] for w in subset]) for i in range(len(utterances))])
            for subset in (centre, warps)
        ]
        cells = "".join(f"{100 * e.sum() / total:>7.1f}" for e in errors)
        print(
            f"{name:<22} {len(utterances):>4}{cells}  {100 * chosen / total:>6.1f}"
            f"  {100 * averaged[0].sum() / total:>5.1f}  {100 * averaged[1].sum() / total:>5.1f}"
            f"  {100 * errors.min(axis=0).sum() / total:>6.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
