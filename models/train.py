"""Train the acoustic model with CTC on synthetic plus real speech.

    python -m models.train --out runs/base --preset base --steps 12000

Resumes from ``OUT/last.pt`` when it exists. Logs to ``OUT/train.log``, appends metrics to
``OUT/metrics.jsonl`` and redraws ``OUT/curves.png`` at every evaluation. Runs unchanged under
``torchrun`` (DistributedDataParallel, gloo on CPU, NCCL on GPU).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
from torch import nn

from assistant.features import FeatureConfig
from models.augment import AugmentConfig, SpecAugment, with_overrides
from models.average import average_run
from models.checkpoint import load_checkpoint, save_checkpoint
from models.curves import plot_curves, read_metrics
from models.data.dataset import (
    MixedBatchSampler,
    SpeechDataset,
    collate,
    load_tts_corpora,
    seed_worker,
    with_durations,
)
from models.data.real_speech import CORPORA, load_real_speech
from models.errors import TrainingError
from models.evaluate import dev_record, dev_sets, evaluate_set, format_table
from models.from_onnx import exported_step, model_from_onnx
from models.model import AcousticModel, ModelConfig, count_parameters, preset_config

_LOGGER = logging.getLogger("models.train")


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on."""

    out: str = "runs/base"
    """Folder of checkpoints, logs and plots."""
    preset: str = "base"
    """Model size preset (models.model.PRESETS)."""
    rnn_type: str = "lstm"
    """'lstm' or 'gru'."""
    bidirectional: bool = True
    """Bidirectional recurrent layers."""
    tts_dir: str = "data/tts"
    """Synthesised corpora (models.data.synthesize), comma-separated; '' for none. The first
    one's test split is the held-out TTS dev set."""
    real_corpora: str = ",".join(CORPORA)
    """Comma-separated real-speech corpora to train and measure on ('' for none)."""
    real_share: float = 0.5
    """Share of real recorded speech in each batch."""
    corpus_temperature: float = 0.5
    """Real corpora are drawn with weight (utterance count) ** this: 1 draws every real
    utterance alike, 0 every corpus alike, between them small corpora of many voices gain."""
    steps: int = 12000
    """Optimizer steps in all."""
    max_batch_seconds: float = 60.0
    """Padded audio seconds per batch."""
    lr: float = 1.5e-3
    """Peak learning rate of AdamW."""
    weight_decay: float = 1e-2
    """AdamW weight decay."""
    warmup_steps: int = 600
    """Linear warm-up steps, then cosine decay to 5 % of the peak."""
    clip_norm: float = 5.0
    """Gradient-norm clipping threshold (recurrent nets explode without it)."""
    sortagrad_steps: int = 300
    """First steps drawn shortest first."""
    eval_every: int = 1000
    """Steps between dev evaluations (and numbered checkpoints)."""
    eval_limit: int = 150
    """Utterances per dev set during training."""
    checkpoint_every: int = 250
    """Steps between saves of last.pt."""
    average_last: int = 4
    """Numbered checkpoints averaged into averaged.pt at the end."""
    average_by: str = "real-dev"
    """Which of them: "last", or "real-dev" (the consecutive ones with the best mean
    real-speech dev CER: early stopping without stopping)."""
    workers: int = 1
    """Data-loader processes."""
    threads: int = 2
    """Torch CPU threads of each training process."""
    seed: int = 1
    """Seed of batching and initialisation."""
    augment: bool = True
    """Waveform augmentation and SpecAugment."""
    augment_overrides: str = ""
    """Changes to the augmentation's defaults (models.augment.AugmentConfig), as
    ``name=value,...``: e.g. ``reverb_prob=0.3,noise_prob=0.45`` for more rooms and noise."""
    precision: str = "fp32"
    """"fp32", or "bf16": the forward pass under bfloat16 autocast (weights, optimizer and
    loss stay float32; dev evaluation runs in float32, as the exported model does). On a CPU
    with AVX512-BF16, training steps on the real data mix take about 0.84 of the time."""
    time_limit: float = 0.0
    """Seconds this process may train (0: no limit). Training stops when either this or
    --steps runs out, and the learning rate decays over whichever runs out first: a fixed
    budget on a lent machine whose speed is not known beforehand. Single-process runs only.
    The budget counts from this process's start: a resumed run gets it anew, with its
    learning rate back up the curve, so finish a time-limited run in one go."""
    init_from: str = ""
    """Checkpoint whose model weights start a new run (fresh optimizer, step 0); ignored when
    the run resumes from its own last.pt."""


PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16}
"""--precision -> the autocast dtype of the forward pass (None: no autocast)."""


def forward_precision(
    device: torch.device, precision: str
) -> contextlib.AbstractContextManager[object]:
    """The context a training forward pass runs in for ``precision`` (see PRECISIONS)."""
    dtype = PRECISIONS[precision]
    return torch.autocast(device.type, dtype) if dtype is not None else contextlib.nullcontext()


def lr_factor(step: int, config: TrainConfig, time_fraction: float = 0.0) -> float:
    """Learning-rate multiplier: linear warm-up, then cosine decay to 0.05.

    The decay follows the larger of the share of steps done and ``time_fraction``, the share
    of ``config.time_limit`` spent, so a run with a time budget ends its schedule on time.
    """
    if step < config.warmup_steps:
        return (step + 1) / config.warmup_steps
    step_fraction = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    progress = min(1.0, max(step_fraction, time_fraction))
    return 0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress))


def _setup_distributed() -> tuple[int, int, torch.device]:
    """Rank, world size and device; initialises the process group under torchrun."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if torch.cuda.is_available():
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
    if world_size > 1:
        backend = "nccl" if device.type == "cuda" else "gloo"
        torch.distributed.init_process_group(backend)
    return rank, world_size, device


def _initial_weights(path: Path) -> tuple[dict[str, object], dict[str, torch.Tensor], int]:
    """Model config, weights and step of a warm start's source: a checkpoint, or an exported
    ONNX model (its weights read back, dequantised when int8; its run's step)."""
    if path.suffix == ".onnx":
        model, _, metadata = model_from_onnx(path)
        return model.config.to_dict(), model.state_dict(), exported_step(metadata)
    state = load_checkpoint(path)
    return state["model_config"], state["model"], int(state["step"])


def train(config: TrainConfig) -> Path:
    """Run (or resume) training; returns the path of the averaged final checkpoint."""
    if config.precision not in PRECISIONS:
        raise TrainingError(
            f"unknown --precision {config.precision!r}; choose one of {sorted(PRECISIONS)}"
        )
    augment = with_overrides(AugmentConfig(), config.augment_overrides) if config.augment else None
    rank, world_size, device = _setup_distributed()
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    feature_config = FeatureConfig()

    tts_dirs = [Path(d) for d in config.tts_dir.split(",") if d]
    synthetic = load_tts_corpora(tts_dirs, "train")
    corpora = tuple(c for c in config.real_corpora.split(",") if c)
    real = with_durations(load_real_speech("train", corpora), out / "durations_real.tsv")
    utterances = synthetic + real
    _LOGGER.info(
        "training data: %d synthetic (%.1f h), %d real (%.1f h)",
        len(synthetic),
        sum(u.duration for u in synthetic) / 3600,
        len(real),
        sum(u.duration for u in real) / 3600,
    )
    if augment is not None:
        _LOGGER.info("augmentation: %s", augment)
    dataset = SpeechDataset(utterances, feature_config, augment, cache_audio=True)
    sampler = MixedBatchSampler(
        [u.duration for u in utterances],
        len(synthetic),
        config.real_share,
        config.max_batch_seconds,
        config.seed,
        rank=rank,
        world_size=world_size,
        groups=[u.corpus for u in utterances],
        group_temperature=config.corpus_temperature,
    )
    if sampler.real_groups:
        shares = ", ".join(f"{k} {100 * v:.0f} %" for k, v in sampler.real_group_shares().items())
        _LOGGER.info("real speech drawn by corpus: %s", shares)

    source_config = preset_config(
        config.preset, rnn_type=config.rnn_type, bidirectional=config.bidirectional
    )
    model = AcousticModel(source_config).to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    if config.time_limit > 0 and world_size > 1:
        # ranks would disagree on when time is up, and the first to stop hangs the rest
        raise TrainingError("--time-limit needs a single process; use --steps under torchrun")
    run_started = time.perf_counter()  # reset when the first batch is drawn

    def time_fraction() -> float:
        if config.time_limit <= 0:
            return 0.0
        return (time.perf_counter() - run_started) / config.time_limit

    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: lr_factor(s, config, time_fraction())
    )
    step = 0
    last = out / "last.pt"
    if last.exists():
        state = load_checkpoint(last)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        # The schedule follows this run's config: resuming with a new --lr or --steps
        # continues from the saved step on the new curve (a warm restart).
        scheduler.base_lrs = [config.lr for _ in optimizer.param_groups]
        for group, base_lr in zip(optimizer.param_groups, scheduler.base_lrs, strict=True):
            group["initial_lr"] = base_lr
        step = state["step"]
        sampler.rng.setstate(state["sampler_rng"])
        _LOGGER.info("resumed from %s at step %d", last, step)
    elif config.init_from:
        # a warm start: the weights of another run, with this run's optimizer and schedule
        init_config, init_weights, init_step = _initial_weights(Path(config.init_from))
        init_config = ModelConfig.from_dict(init_config).to_dict()
        if init_config != source_config.to_dict():
            raise TrainingError(
                f"{config.init_from}: model {init_config} is not this run's "
                f"{source_config.to_dict()}"
            )
        model.load_state_dict(init_weights)
        _LOGGER.info("started from the weights of %s (step %d)", config.init_from, init_step)
    else:
        sampler.sorted_batches_left = config.sortagrad_steps
    _LOGGER.info(
        "model: %s, %d parameters, %d process(es) on %s",
        model.config,
        count_parameters(model),
        world_size,
        device,
    )
    ddp_model: nn.Module = model
    if world_size > 1:
        ddp_model = nn.parallel.DistributedDataParallel(model)

    loader = torch.utils.data.DataLoader(
        dataset,
        batch_sampler=sampler,
        collate_fn=collate,
        num_workers=config.workers,
        worker_init_fn=seed_worker,
        persistent_workers=config.workers > 0,
        prefetch_factor=4 if config.workers > 0 else None,
    )
    spec_augment = SpecAugment(augment) if augment is not None else None
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    sets = (
        dev_sets(tts_dirs[0] if tts_dirs else None, config.eval_limit, corpora)
        if config.eval_limit > 0
        else {}
    )
    metrics_path = out / "metrics.jsonl"
    losses: list[float] = []
    started = run_started = time.perf_counter()
    waited = 0.0  # seconds spent waiting for the data loader since the last log line
    model.train()
    batches = iter(loader)
    while True:
        wait_started = time.perf_counter()
        batch = next(batches, None)
        waited += time.perf_counter() - wait_started
        if batch is None:
            break
        if step >= config.steps:
            break
        features = batch["features"].to(device)
        if spec_augment is not None:
            features = spec_augment(features)
        with forward_precision(device, config.precision):
            log_probs, out_lengths = ddp_model(features, batch["lengths"].to(device))
        loss = ctc(  # the model's log-probs are float32 under autocast too (models/model.py)
            log_probs.transpose(0, 1), batch["targets"], out_lengths.cpu(), batch["target_lengths"]
        )
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
        optimizer.step()
        scheduler.step()
        step += 1
        losses.append(loss.item())
        final = step >= config.steps or time_fraction() >= 1.0
        if rank != 0:
            continue
        if step % 50 == 0 or final:  # the last, partial window too
            elapsed = time.perf_counter() - started
            mean_loss = sum(losses) / len(losses)
            _LOGGER.info(
                "step %d loss %.3f grad %.2f lr %.2e %.2f s/step (%.2f waiting for data)",
                step,
                mean_loss,
                float(grad_norm),
                scheduler.get_last_lr()[0],
                elapsed / len(losses),
                waited / len(losses),
            )
            with open(metrics_path, "a") as f:
                f.write(json.dumps({"kind": "train", "step": step, "loss": mean_loss}) + "\n")
            losses, started, waited = [], time.perf_counter(), 0.0
        extra = {
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "sampler_rng": sampler.rng.getstate(),
            "train_config": asdict(config),
        }
        if step % config.checkpoint_every == 0 or final:
            save_checkpoint(last, model, feature_config, step, **extra)
        if step % config.eval_every == 0 or final:
            save_checkpoint(
                out / f"step_{step:06d}.pt",
                model,
                feature_config,
                step,
                train_config=asdict(config),
            )
        if sets and (step % config.eval_every == 0 or final):  # --eval-limit 0: none
            results = [
                evaluate_set(model, name, utts, feature_config) for name, utts in sets.items()
            ]
            model.train()
            _LOGGER.info("dev at step %d:\n%s", step, format_table(results))
            with open(metrics_path, "a") as f:
                f.write(json.dumps(dev_record(step, results)) + "\n")
            plot_curves(read_metrics([metrics_path]), out / "curves.png")
            started, waited = time.perf_counter(), 0.0
        if final:
            break
    averaged = out / "averaged.pt"
    if rank == 0:
        average_run(out, config.average_last, config.average_by, averaged)
    if world_size > 1:
        torch.distributed.destroy_process_group()
    return averaged


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; every TrainConfig field is a flag."""
    parser = argparse.ArgumentParser(description="Train the BiLSTM-CTC acoustic model")
    defaults = TrainConfig()
    docs = {
        "out": "folder of checkpoints, logs and plots",
        "preset": "model size preset",
        "rnn_type": "lstm or gru",
        "bidirectional": "bidirectional recurrent layers",
        "tts_dir": "synthesised corpus folders, comma-separated; the first one's test split is "
        "the held-out TTS dev set ('' for none)",
        "real_corpora": "comma-separated real corpora ('' for none)",
        "real_share": "share of real speech per batch",
        "corpus_temperature": "real corpora weighted by utterance count ** this (0: alike)",
        "steps": "optimizer steps",
        "max_batch_seconds": "padded audio seconds per batch",
        "lr": "peak learning rate",
        "weight_decay": "AdamW weight decay",
        "warmup_steps": "linear warm-up steps",
        "clip_norm": "gradient clipping norm",
        "sortagrad_steps": "first steps shortest first",
        "eval_every": "steps between dev evaluations",
        "eval_limit": "utterances per dev set (0: no dev evaluation)",
        "checkpoint_every": "steps between saves of last.pt",
        "average_last": "numbered checkpoints to average at the end",
        "average_by": "last, or real-dev: the window with the best real-speech dev CER",
        "workers": "data-loader processes",
        "threads": "torch CPU threads",
        "seed": "random seed",
        "augment": "use augmentation",
        "augment_overrides": "augmentation changes, name=value,... (models.augment.AugmentConfig)",
        "precision": "fp32, or bf16 (forward pass under bfloat16 autocast)",
        "time_limit": "seconds this process may train (0: no limit; schedule ends on time)",
        "init_from": "checkpoint or exported ONNX model (in a clean checkout: the bundled one) "
        "whose weights start a new run (fresh optimizer)",
    }
    for field in fields(TrainConfig):
        default = getattr(defaults, field.name)
        flag = "--" + field.name.replace("_", "-")
        if isinstance(default, bool):
            parser.add_argument(
                flag,
                type=lambda s: s.lower() in ("1", "true", "yes"),
                default=default,
                help=f"{docs[field.name]} (default {default})",
            )
        else:
            parser.add_argument(
                flag,
                type=type(default),
                default=default,
                help=f"{docs[field.name]} (default {default})",
            )
    args = parser.parse_args(argv)
    config = TrainConfig(**vars(args))
    Path(config.out).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(Path(config.out) / "train.log")],
    )
    train(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
