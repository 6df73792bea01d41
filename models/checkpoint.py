"""Checkpoints that describe themselves: model and feature config, vocabulary, step, metrics."""

from __future__ import annotations

import argparse
import os
import pickle
from pathlib import Path
from typing import Any

import torch

from assistant.features import FeatureConfig
from assistant.vocabulary import TOKENS
from models.errors import TrainingError
from models.model import AcousticModel, ModelConfig

FORMAT_VERSION = 1


def save_checkpoint(
    path: Path, model: AcousticModel, feature_config: FeatureConfig, step: int, **extra: Any
) -> None:
    """Write a checkpoint atomically; ``extra`` may hold optimizer state, metrics, config."""
    state = {
        "format_version": FORMAT_VERSION,
        "model_config": model.config.to_dict(),
        "feature_config": feature_config.to_dict(),
        "vocabulary": list(TOKENS),
        "step": step,
        "model": model.state_dict(),
        **extra,
    }
    _save_atomically(state, path)


def _save_atomically(state: dict[str, Any], path: Path) -> None:
    """torch.save to a temporary file, then renamed: a crash leaves the old file whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path) -> dict[str, Any]:
    """The raw checkpoint dict, checked for format and vocabulary."""
    try:
        state: dict[str, Any] = torch.load(path, map_location="cpu", weights_only=False)
    except (OSError, RuntimeError, EOFError, pickle.UnpicklingError) as e:
        raise TrainingError(f"cannot read checkpoint {path}: {e}") from e
    if state.get("format_version") != FORMAT_VERSION:
        raise TrainingError(
            f"{path}: checkpoint format {state.get('format_version')} is not {FORMAT_VERSION}"
        )
    if state["vocabulary"] != list(TOKENS):
        raise TrainingError(f"{path}: vocabulary {state['vocabulary']} differs from {TOKENS}")
    return state


def model_from_checkpoint(path: Path) -> tuple[AcousticModel, FeatureConfig, dict[str, Any]]:
    """Rebuild the model (eval mode) and its feature config from a checkpoint."""
    state = load_checkpoint(path)
    try:
        config = ModelConfig.from_dict(state["model_config"])
    except TrainingError as e:
        raise TrainingError(f"{path}: {e}") from e
    model = AcousticModel(config)
    model.load_state_dict(state["model"])
    model.eval()
    return model, FeatureConfig.from_dict(state["feature_config"]), state


def average_checkpoints(paths: list[Path]) -> dict[str, torch.Tensor]:
    """Element-wise mean of the model weights of ``paths`` (same architecture)."""
    if not paths:
        raise TrainingError("no checkpoints to average")
    total: dict[str, torch.Tensor] = {}
    for path in paths:
        weights = load_checkpoint(path)["model"]
        for name, value in weights.items():
            total[name] = total.get(name, 0) + value.double()
    return {name: (value / len(paths)).float() for name, value in total.items()}


def compact_checkpoint(source: Path, target: Path) -> None:
    """Write ``source`` with its model weights in float16 and no optimizer state.

    Half the size of the float32 weights alone (a quarter of a resumable checkpoint), for
    carrying checkpoints off a remote machine; loading casts the weights back to float32.
    Averaging and evaluation read it like any checkpoint; training cannot resume from it.
    """
    state = load_checkpoint(source)
    kept = {k: v for k, v in state.items() if k not in ("optimizer", "scheduler", "sampler_rng")}
    kept["model"] = {
        name: value.half() if value.is_floating_point() else value
        for name, value in state["model"].items()
    }
    _save_atomically(kept, target)


def checkpoint_from_onnx(source: Path, target: Path) -> None:
    """Write an exported model's weights (dequantised when int8) as a checkpoint.

    A clean checkout holds no checkpoint, only the released ONNX file; this makes it one that
    averaging and evaluation read like any other (no optimizer state: training warm-starts from
    it, ``--init FILE.pt``, but cannot resume it).
    """
    # imported here: a lent GPU machine may lack onnx, and it needs only `compact`
    from models.from_onnx import exported_step, model_from_onnx

    model, feature_config, metadata = model_from_onnx(source)
    save_checkpoint(
        target, model, feature_config, exported_step(metadata), exported_from=str(source)
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m models.checkpoint compact SRC... --out DIR``: float16 copies of checkpoints;
    ``python -m models.checkpoint from-onnx MODEL.onnx --out FILE.pt``: an export's weights."""
    parser = argparse.ArgumentParser(description="Checkpoint tools")
    commands = parser.add_subparsers(dest="command", required=True)
    compact = commands.add_parser("compact", help="float16 copies without optimizer state")
    compact.add_argument("checkpoints", type=Path, nargs="+")
    compact.add_argument("--out", type=Path, required=True, help="folder of the copies")
    from_onnx = commands.add_parser(
        "from-onnx", help="a checkpoint of an exported model's weights (dequantised when int8)"
    )
    from_onnx.add_argument("model", type=Path, help="exported .onnx file")
    from_onnx.add_argument("--out", type=Path, required=True, help="checkpoint file to write")
    args = parser.parse_args(argv)
    try:
        if args.command == "from-onnx":
            checkpoint_from_onnx(args.model, args.out)
        else:
            for path in args.checkpoints:
                compact_checkpoint(path, args.out / path.name)
    except TrainingError as e:
        parser.exit(1, f"error: {e}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
