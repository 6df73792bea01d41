"""Export a checkpoint to ONNX, verify it against PyTorch, optionally quantise to int8.

python -m export --checkpoint runs/base/averaged.pt --out assistant/models/bilstm_ctc.onnx --int8
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from export.errors import ExportError
from export.model_card import short_card
from export.onnx_export import export_onnx
from export.quantize import quantize_int8
from export.verify import verify_onnx
from models.checkpoint import model_from_checkpoint
from models.errors import TrainingError

_LOGGER = logging.getLogger("export")


def compare_int8(float_path: Path, int8_path: Path, limit: int) -> str:
    """Greedy transcripts of both models on real dev speech: agreement and CER of each."""
    from assistant.audio.files import load_audio
    from assistant.pipeline import transcribe
    from assistant.recognizer import Recognizer
    from models.data.real_speech import load_corpus
    from models.evaluate import score

    utterances = load_corpus("an4", "test") + load_corpus("speechocean762", "test")
    utterances = utterances[:: max(1, len(utterances) // limit)][:limit]
    fp32, int8 = Recognizer(float_path), Recognizer(int8_path)
    refs, hyp32, hyp8 = [], [], []
    for u in utterances:
        audio = load_audio(u.path)
        refs.append(u.transcript)
        hyp32.append(transcribe(audio, fp32).text)
        hyp8.append(transcribe(audio, int8).text)
    same = sum(a == b for a, b in zip(hyp32, hyp8, strict=True)) / max(1, len(refs))
    s32, s8 = score("fp32", refs, hyp32), score("int8", refs, hyp8)
    return (
        f"int8 check on {len(refs)} real dev utterances: identical text {100 * same:.1f} %, "
        f"CER fp32 {100 * s32.cer:.1f} % / int8 {100 * s8.cer:.1f} %, "
        f"WER fp32 {100 * s32.wer:.1f} % / int8 {100 * s8.wer:.1f} %"
    )


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description="Export, verify and quantise the acoustic model")
    parser.add_argument("--checkpoint", type=Path, required=True, help="trained checkpoint .pt")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("assistant/models/bilstm_ctc.onnx"),
        help="ONNX file to write",
    )
    parser.add_argument(
        "--model-card",
        type=Path,
        default=None,
        help="markdown card: its title and first section (under 1 KB) go into the ONNX metadata",
    )
    parser.add_argument(
        "--int8", action="store_true", help="also write an int8 copy next to it (NAME.int8.onnx)"
    )
    parser.add_argument(
        "--int8-check",
        type=int,
        default=200,
        help="real dev utterances on which int8 and fp32 are compared (0: skip)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=1e-3,
        help="largest allowed |log-prob| difference onnxruntime vs PyTorch",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        model, feature_config, state = model_from_checkpoint(args.checkpoint)
        card = short_card(args.model_card.read_text()) if args.model_card else ""
        training = {
            "step": state.get("step"),
            "checkpoint": args.checkpoint.name,
            "averaged_from": state.get("averaged_from", []),
            "train_config": state.get("train_config", {}),
        }
        export_onnx(model, feature_config, args.out, card, training)
        result = verify_onnx(model, args.out, args.tolerance)
        print(
            f"verified {args.out}: max |diff| {result.max_abs_diff:.2e}, "
            f"argmax agreement {100 * result.greedy_agreement:.2f} %"
        )
        if args.int8:
            int8_path = args.out.with_suffix(".int8.onnx")
            quantize_int8(args.out, int8_path)
            if args.int8_check:
                print(compare_int8(args.out, int8_path, args.int8_check))
    except (ExportError, TrainingError) as e:
        print(f"export failed: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
