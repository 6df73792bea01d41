"""Train the acoustic model with CTC on synthetic plus real speech.

    python -m models.train --out runs/base --preset base --steps 12000            # new weights
    python -m models.train --out runs/base --init resume --steps 15000            # continue it
    python -m models.train --out runs/b2 --init assistant/models/bilstm_ctc.onnx  # warm start

``--init`` says how a run starts (see TrainConfig.init); a new run refuses to replace an
existing ``OUT/last.pt`` unless ``--overwrite`` is given. Logs to ``OUT/train.log``, appends
metrics to ``OUT/metrics.jsonl`` and redraws ``OUT/curves.png`` at every evaluation. Runs
unchanged under ``torchrun`` (DistributedDataParallel, gloo on CPU, NCCL on GPU).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

from assistant.features import FeatureConfig
from models.augment import AugmentConfig, SpecAugment, with_overrides
from models.average import average_run, numbered_checkpoints
from models.checkpoint import load_checkpoint, save_checkpoint
from models.curves import plot_curves, read_metrics
from models.data.dataset import (
    MixedBatchSampler,
    SpeechDataset,
    Utterance,
    collate,
    load_tts_corpora,
    seed_worker,
    with_durations,
)
from models.data.phonemes import PHONEME_TOKENS, phoneme_targets
from models.data.real_speech import CORPORA, load_real_speech
from models.errors import TrainingError
from models.evaluate import dev_record, dev_sets, evaluate_set, format_table
from models.from_onnx import exported_step, model_from_onnx
from models.model import AcousticModel, ModelConfig, count_parameters, preset_config

_LOGGER = logging.getLogger("models.train")

_T = TypeVar("_T")


def _option(default: _T, doc: str) -> _T:
    """A TrainConfig field whose ``doc`` is both its documentation and its flag's help."""
    return field(default=default, metadata={"help": doc})


@dataclass(frozen=True)
class TrainConfig:
    """Everything a training run depends on; every field is a flag of ``main``."""

    out: str = _option("runs/base", "folder of checkpoints, logs and plots")
    init: str = _option(
        "scratch",
        "how the run starts: 'scratch' (new weights), 'resume' (OUT/last.pt's weights, "
        "optimizer, step and batch order, on this run's schedule: a new --lr or --steps is a "
        "warm restart), or the path of a checkpoint or exported ONNX model (in a clean "
        "checkout: the bundled one) whose weights start a new run (fresh optimizer, step 0)",
    )
    init_layers: str = _option(
        "all",
        "with --init PATH, which weights it gives: 'all', or 'front-end' (the two convolutions "
        "alone; the recurrent layers and the output start new, so the run may change the "
        "cell or its direction, and its first batches are the shortest, as from scratch)",
    )
    overwrite: bool = _option(
        False,
        "let a new run (--init scratch or PATH) start in an OUT that holds a run: its "
        "last.pt, numbered checkpoints and metrics.jsonl are deleted first",
    )
    preset: str = _option("base", "model size preset (models.model.PRESETS)")
    rnn_type: str = _option("lstm", "lstm or gru")
    bidirectional: bool = _option(True, "bidirectional recurrent layers")
    tts_dir: str = _option(
        "data/tts",
        "synthesised corpus folders (models.data.synthesize), comma-separated; the first "
        "one's test split is the held-out TTS dev set ('' for none)",
    )
    real_corpora: str = _option(
        ",".join(CORPORA),
        "comma-separated real-speech corpora to train and measure on ('' for none)",
    )
    real_share: float = _option(0.5, "share of real recorded speech in each batch")
    corpus_temperature: float = _option(
        0.5,
        "real corpora are drawn with weight (utterance count) ** this: 1 draws every real "
        "utterance alike, 0 every corpus alike, between them small corpora of many voices gain",
    )
    corpus_boost: str = _option(
        "",
        "real corpora drawn more (or less) often than --corpus-temperature gives, as "
        "comma-separated CORPUS=FACTOR (e.g. wuw_corpus_ii=2,fsdd=0.5)",
    )
    steps: int = _option(12000, "optimizer steps in all")
    max_batch_seconds: float = _option(60.0, "padded audio seconds per batch")
    lr: float = _option(1.5e-3, "peak learning rate of AdamW")
    weight_decay: float = _option(1e-2, "AdamW weight decay")
    warmup_steps: int = _option(
        600, "linear warm-up steps, then cosine decay to 5 % of the peak (see learning_rate)"
    )
    clip_norm: float = _option(
        5.0, "gradient-norm clipping threshold (recurrent nets explode without it)"
    )
    sortagrad_steps: int = _option(300, "first steps of a --init scratch run, shortest first")
    eval_every: int = _option(1000, "steps between dev evaluations (and numbered checkpoints)")
    eval_limit: int = _option(150, "utterances per dev set (0: no dev evaluation)")
    checkpoint_every: int = _option(250, "steps between saves of last.pt")
    average_last: int = _option(4, "numbered checkpoints averaged into averaged.pt at the end")
    average_by: str = _option(
        "real-dev",
        "which of them: last, or real-dev (the consecutive ones with the best mean "
        "real-speech dev CER: early stopping without stopping)",
    )
    workers: int = _option(1, "data-loader processes")
    threads: int = _option(2, "torch CPU threads of each training process")
    seed: int = _option(1, "seed of batching and initialisation")
    augment: bool = _option(True, "waveform augmentation and SpecAugment")
    augment_overrides: str = _option(
        "",
        "changes to the augmentation's defaults (models.augment.AugmentConfig) as "
        "name=value,...: e.g. reverb_prob=0.3,noise_prob=0.45 for more rooms and noise",
    )
    phoneme_weight: float = _option(
        0.0,
        "weight of an auxiliary phoneme CTC loss, from a second output layer reading the "
        "transcripts' espeak-ng phonemes (models.data.phonemes; needs the tts extra); 0: no "
        "phoneme head. The head is left out of exports",
    )
    precision: str = _option(
        "fp32",
        "fp32, or bf16: the forward pass under bfloat16 autocast (weights, optimizer and loss "
        "stay float32; dev evaluation runs in float32, as the exported model does)",
    )
    time_limit: float = _option(
        0.0,
        "seconds this process may train (0: no limit); training stops when either this or "
        "--steps runs out, and the learning rate decays over whichever runs out first. Single "
        "process only. It counts from this process's start: a resumed run gets it anew, with "
        "its learning rate back up the curve, so finish a time-limited run in one go",
    )


INIT_SCRATCH = "scratch"
INIT_RESUME = "resume"
INIT_ALL = "all"
INIT_FRONT_END = "front-end"
FRONT_END_PREFIXES = ("conv1.", "conv2.")
"""State-dict keys of the convolutional front end (what ``--init-layers front-end`` loads)."""

PRECISIONS: dict[str, torch.dtype | None] = {"fp32": None, "bf16": torch.bfloat16}
"""--precision -> the autocast dtype of the forward pass (None: no autocast)."""

_LOG_EVERY = 50
"""Steps between log lines (and ``train`` rows of metrics.jsonl)."""


def forward_precision(
    device: torch.device, precision: str
) -> contextlib.AbstractContextManager[object]:
    """The context a training forward pass runs in for ``precision`` (see PRECISIONS)."""
    dtype = PRECISIONS[precision]
    return torch.autocast(device.type, dtype) if dtype is not None else contextlib.nullcontext()


def learning_rate(step: int, config: TrainConfig, time_fraction: float = 0.0) -> float:
    """The learning rate of optimizer step ``step`` (0-based): a linear warm-up to
    ``config.lr``, then a cosine decay to 5 % of it.

    The decay follows the larger of the share of steps done and ``time_fraction``, the share
    of ``config.time_limit`` spent, so a run with a time budget ends its schedule on time.
    A function of the step alone otherwise, so a resumed run continues on the same curve.
    """
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    step_fraction = (step - config.warmup_steps) / max(1, config.steps - config.warmup_steps)
    progress = min(1.0, max(step_fraction, time_fraction))
    return config.lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress)))


class _TimeBudget:
    """The share of ``--time-limit`` spent since it was made."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = time.perf_counter()

    def fraction(self) -> float:
        """Seconds since the start over the limit (0 without one)."""
        elapsed = time.perf_counter() - self.started
        return elapsed / self.seconds if self.seconds > 0 else 0.0


@dataclass
class _Window:
    """Losses and timings of the steps since the last log line."""

    losses: list[float] = field(default_factory=list)
    phoneme_losses: list[float] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    waited: float = 0.0  # seconds spent waiting for the data loader

    def restart_clock(self) -> None:
        """Time from now (after work that is not training, such as an evaluation)."""
        self.started, self.waited = time.perf_counter(), 0.0


@dataclass
class _Data:
    """What a run trains and measures on."""

    dataset: SpeechDataset
    sampler: MixedBatchSampler
    dev_sets: dict[str, list[Utterance]]


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


def _check_config(config: TrainConfig, world_size: int) -> None:
    """Raise TrainingError for settings that cannot run, before any data is read."""
    if config.precision not in PRECISIONS:
        raise TrainingError(
            f"unknown --precision {config.precision!r}; choose one of {sorted(PRECISIONS)}"
        )
    if config.phoneme_weight > 0 and world_size > 1:
        raise TrainingError("--phoneme-weight needs a single process")
    if config.phoneme_weight < 0:
        raise TrainingError(f"--phoneme-weight must be >= 0, got {config.phoneme_weight}")
    if config.time_limit > 0 and world_size > 1:
        # ranks would disagree on when time is up, and the first to stop hangs the rest
        raise TrainingError("--time-limit needs a single process; use --steps under torchrun")
    boosted = set(corpus_boosts(config.corpus_boost))
    corpora = set(real_corpora(config))
    if boosted - corpora:
        raise TrainingError(
            f"--corpus-boost names {sorted(boosted - corpora)}, not among --real-corpora"
        )
    if config.init_layers not in (INIT_ALL, INIT_FRONT_END):
        raise TrainingError(
            f"--init-layers {config.init_layers!r}: give {INIT_ALL} or {INIT_FRONT_END}"
        )
    if config.init_layers != INIT_ALL and config.init in (INIT_SCRATCH, INIT_RESUME):
        raise TrainingError(f"--init-layers {config.init_layers} needs --init PATH")
    last = Path(config.out) / "last.pt"
    if config.init == INIT_RESUME:
        if not last.is_file():
            raise TrainingError(
                f"--init resume: there is no {last} to resume; start a run with "
                "--init scratch or --init PATH"
            )
    elif config.init != INIT_SCRATCH and not Path(config.init).is_file():
        raise TrainingError(
            f"--init {config.init!r}: no such file; expected 'scratch', 'resume', or the path "
            "of a checkpoint (.pt) or exported model (.onnx)"
        )
    elif last.exists() and not config.overwrite:
        raise TrainingError(
            f"{last} exists: --init resume continues that run, --overwrite starts a new one over it"
        )


def _clear_run(out: Path) -> None:
    """Delete the files of an earlier run in ``out`` that a new run would mix with its own."""
    old = [out / "last.pt", out / "metrics.jsonl", *numbered_checkpoints(out).values()]
    old = [path for path in old if path.exists()]
    if old:
        _LOGGER.warning("--overwrite: deleting %d files of an earlier run in %s", len(old), out)
    for path in old:
        path.unlink()


def _build_data(
    config: TrainConfig,
    out: Path,
    feature_config: FeatureConfig,
    augment: AugmentConfig | None,
    rank: int,
    world_size: int,
) -> _Data:
    """The training set, its batch sampler and the dev sets, with their sizes logged."""
    tts_dirs = [Path(d) for d in config.tts_dir.split(",") if d]
    synthetic = load_tts_corpora(tts_dirs, "train")
    corpora = real_corpora(config)
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
    phonemes = None
    if config.phoneme_weight > 0:
        phonemes = phoneme_targets(u.transcript for u in utterances)
        _LOGGER.info("phoneme targets of %d transcripts (espeak-ng)", len(phonemes))
    dataset = SpeechDataset(
        utterances, feature_config, augment, cache_audio=True, phonemes=phonemes
    )
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
        group_boost=corpus_boosts(config.corpus_boost),
    )
    if sampler.real_groups:
        shares = ", ".join(f"{k} {100 * v:.0f} %" for k, v in sampler.real_group_shares().items())
        _LOGGER.info("real speech drawn by corpus: %s", shares)
    sets = (
        dev_sets(tts_dirs[0] if tts_dirs else None, config.eval_limit, corpora)
        if config.eval_limit > 0
        else {}
    )
    return _Data(dataset, sampler, sets)


def _initial_weights(path: Path) -> tuple[dict[str, object], dict[str, torch.Tensor], int]:
    """Model config, weights and step of a warm start's source: a checkpoint, or an exported
    ONNX model (its weights read back, dequantised when int8; its run's step)."""
    if path.suffix == ".onnx":
        model, _, metadata = model_from_onnx(path)
        return model.config.to_dict(), model.state_dict(), exported_step(metadata)
    state = load_checkpoint(path)
    return state["model_config"], state["model"], int(state["step"])


def _start(
    config: TrainConfig,
    model: AcousticModel,
    optimizer: torch.optim.Optimizer,
    sampler: MixedBatchSampler,
) -> int:
    """Set the run's starting weights and state as ``config.init`` says; returns the step."""
    if config.init == INIT_RESUME:
        last = Path(config.out) / "last.pt"
        state = load_checkpoint(last)
        if "optimizer" not in state:
            raise TrainingError(f"{last} holds no optimizer state (a compact copy?); cannot resume")
        model.load_state_dict(state["model"])
        # the learning rate is set before every step (learning_rate), so the saved one and
        # an older checkpoint's scheduler state play no part
        optimizer.load_state_dict(state["optimizer"])
        sampler.rng.setstate(state["sampler_rng"])
        step = int(state["step"])
        _LOGGER.info("resumed from %s at step %d", last, step)
        return step
    if config.init == INIT_SCRATCH:
        sampler.sorted_batches_left = config.sortagrad_steps
        return 0
    # a warm start: the weights of another run, with this run's optimizer and schedule
    init_config, init_weights, init_step = _initial_weights(Path(config.init))
    try:
        init_model_config = ModelConfig.from_dict(init_config)
    except TrainingError as e:
        raise TrainingError(f"{config.init}: {e}") from e
    if config.init_layers == INIT_FRONT_END:
        return _start_from_front_end(config, model, sampler, init_model_config, init_weights)
    if replace(init_model_config, phoneme_classes=0) != replace(model.config, phoneme_classes=0):
        raise TrainingError(
            f"{config.init}: model {init_model_config.to_dict()} is not this run's "
            f"{model.config.to_dict()}"
        )
    # a phoneme head starts new when the source has none, and is dropped when this run has none
    if init_model_config.phoneme_classes != model.config.phoneme_classes:
        init_weights = {
            k: v for k, v in init_weights.items() if not k.startswith("phoneme_output.")
        }
        if model.phoneme_output is not None:
            head = model.phoneme_output.state_dict()
            init_weights |= {f"phoneme_output.{k}": v for k, v in head.items()}
    model.load_state_dict(init_weights)
    _LOGGER.info("started from the weights of %s (step %d)", config.init, init_step)
    return 0


def _start_from_front_end(
    config: TrainConfig,
    model: AcousticModel,
    sampler: MixedBatchSampler,
    init_config: ModelConfig,
    init_weights: dict[str, torch.Tensor],
) -> int:
    """Load only the convolutions of ``init_weights`` (``--init-layers front-end``)."""
    shape = ("n_mels", "conv_channels", "conv_kernel")
    theirs = {f: getattr(init_config, f) for f in shape}
    ours = {f: getattr(model.config, f) for f in shape}
    if theirs != ours:
        raise TrainingError(f"{config.init}: its convolutions {theirs} are not this run's {ours}")
    front_end = {k: v for k, v in init_weights.items() if k.startswith(FRONT_END_PREFIXES)}
    missing, _ = model.load_state_dict(front_end, strict=False)
    if any(k.startswith(FRONT_END_PREFIXES) for k in missing):
        raise TrainingError(f"{config.init}: holds no convolution weights")
    sampler.sorted_batches_left = config.sortagrad_steps
    _LOGGER.info(
        "started from the convolutions of %s (%d tensors); recurrent layers and output new",
        config.init,
        len(front_end),
    )
    return 0


def _train_step(
    ddp_model: nn.Module,
    model: AcousticModel,
    optimizer: torch.optim.Optimizer,
    batch: dict[str, torch.Tensor],
    spec_augment: SpecAugment | None,
    config: TrainConfig,
    device: torch.device,
    ctc: nn.CTCLoss,
) -> tuple[float, float, float]:
    """One optimizer step on ``batch``; returns its character CTC loss, its phoneme CTC loss
    (0 without a phoneme head) and the gradient norm."""
    features = batch["features"].to(device)
    if spec_augment is not None:
        features = spec_augment(features)
    phoneme_log_probs = None
    with forward_precision(device, config.precision):
        if model.phoneme_output is not None:  # single process (_check_config)
            log_probs, phoneme_log_probs, out_lengths = model.forward_with_phonemes(
                features, batch["lengths"].to(device)
            )
        else:
            log_probs, out_lengths = ddp_model(features, batch["lengths"].to(device))
    loss = ctc(  # the model's log-probs are float32 under autocast too (models/model.py)
        log_probs.transpose(0, 1), batch["targets"], out_lengths.cpu(), batch["target_lengths"]
    )
    total = loss
    phoneme_loss = torch.zeros(())
    if phoneme_log_probs is not None:
        phoneme_loss = ctc(
            phoneme_log_probs.transpose(0, 1),
            batch["phoneme_targets"],
            out_lengths.cpu(),
            batch["phoneme_target_lengths"],
        )
        total = loss + config.phoneme_weight * phoneme_loss
    optimizer.zero_grad(set_to_none=True)
    total.backward()
    grad_norm = nn.utils.clip_grad_norm_(model.parameters(), config.clip_norm)
    optimizer.step()
    return loss.item(), phoneme_loss.item(), float(grad_norm)


def _append_metrics(path: Path, record: dict[str, object]) -> None:
    """One row of ``metrics.jsonl`` (read by models.average, .curves and .measure_run)."""
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def _log_window(
    window: _Window, step: int, grad_norm: float, lr: float, metrics_path: Path
) -> None:
    """The log line of the steps since the last one (models.measure_run parses it) and
    their ``train`` row in metrics.jsonl; starts a new window."""
    elapsed = time.perf_counter() - window.started
    mean_loss = sum(window.losses) / len(window.losses)
    record: dict[str, object] = {"kind": "train", "step": step, "loss": mean_loss}
    phonemes = ""
    if any(window.phoneme_losses):
        record["phoneme_loss"] = sum(window.phoneme_losses) / len(window.phoneme_losses)
        phonemes = f", phoneme loss {record['phoneme_loss']:.3f}"
    _LOGGER.info(
        "step %d loss %.3f grad %.2f lr %.2e %.2f s/step (%.2f waiting for data)%s",
        step,
        mean_loss,
        grad_norm,
        lr,
        elapsed / len(window.losses),
        window.waited / len(window.losses),
        phonemes,
    )
    _append_metrics(metrics_path, record)
    window.losses, window.phoneme_losses = [], []
    window.restart_clock()


def _save_checkpoints(
    config: TrainConfig,
    model: AcousticModel,
    optimizer: torch.optim.Optimizer,
    sampler: MixedBatchSampler,
    feature_config: FeatureConfig,
    step: int,
    final: bool,
) -> None:
    """``last.pt`` (resumable) every --checkpoint-every steps and a numbered checkpoint (the
    weights) every --eval-every steps, both at the last step."""
    out = Path(config.out)
    if step % config.checkpoint_every == 0 or final:
        save_checkpoint(
            out / "last.pt",
            model,
            feature_config,
            step,
            optimizer=optimizer.state_dict(),
            sampler_rng=sampler.rng.getstate(),
            train_config=asdict(config),
        )
    if step % config.eval_every == 0 or final:
        save_checkpoint(
            out / f"step_{step:06d}.pt", model, feature_config, step, train_config=asdict(config)
        )


def _evaluate(
    model: AcousticModel,
    sets: dict[str, list[Utterance]],
    feature_config: FeatureConfig,
    step: int,
    out: Path,
) -> None:
    """Measure the dev sets, log the table, add their ``dev`` row to metrics.jsonl and redraw
    the curves; leaves the model in training mode."""
    results = [evaluate_set(model, name, utts, feature_config) for name, utts in sets.items()]
    model.train()
    _LOGGER.info("dev at step %d:\n%s", step, format_table(results))
    metrics_path = out / "metrics.jsonl"
    _append_metrics(metrics_path, dev_record(step, results))
    plot_curves(read_metrics([metrics_path]), out / "curves.png")


def train(config: TrainConfig) -> Path:
    """Run training as ``config.init`` says; returns the path of the averaged checkpoint."""
    rank, world_size, device = _setup_distributed()
    _check_config(config, world_size)
    augment = with_overrides(AugmentConfig(), config.augment_overrides) if config.augment else None
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    if config.init != INIT_RESUME and config.overwrite and rank == 0:
        _clear_run(out)
    feature_config = FeatureConfig()
    data = _build_data(config, out, feature_config, augment, rank, world_size)

    model = AcousticModel(
        preset_config(
            config.preset,
            rnn_type=config.rnn_type,
            bidirectional=config.bidirectional,
            phoneme_classes=len(PHONEME_TOKENS) if config.phoneme_weight > 0 else 0,
        )
    ).to(device)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=config.lr, weight_decay=config.weight_decay
    )
    step = _start(config, model, optimizer, data.sampler)
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
        data.dataset,
        batch_sampler=data.sampler,
        collate_fn=collate,
        num_workers=config.workers,
        worker_init_fn=seed_worker,
        persistent_workers=config.workers > 0,
        prefetch_factor=4 if config.workers > 0 else None,
    )
    spec_augment = SpecAugment(augment) if augment is not None else None
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    metrics_path = out / "metrics.jsonl"
    budget = _TimeBudget(config.time_limit)
    window = _Window()
    model.train()
    batches = iter(loader)
    while step < config.steps:
        wait_started = time.perf_counter()
        batch = next(batches, None)
        window.waited += time.perf_counter() - wait_started
        if batch is None:
            break
        lr = learning_rate(step, config, budget.fraction())
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss, phoneme_loss, grad_norm = _train_step(
            ddp_model, model, optimizer, batch, spec_augment, config, device, ctc
        )
        step += 1
        window.losses.append(loss)
        window.phoneme_losses.append(phoneme_loss)
        final = step >= config.steps or budget.fraction() >= 1.0
        if rank != 0:
            continue
        if step % _LOG_EVERY == 0 or final:  # the last, partial window too
            _log_window(window, step, grad_norm, lr, metrics_path)
        _save_checkpoints(config, model, optimizer, data.sampler, feature_config, step, final)
        if data.dev_sets and (step % config.eval_every == 0 or final):
            _evaluate(model, data.dev_sets, feature_config, step, out)
            window.restart_clock()
        if final:
            break
    averaged = out / "averaged.pt"
    if rank == 0:
        average_run(out, config.average_last, config.average_by, averaged)
    if world_size > 1:
        torch.distributed.destroy_process_group()
    return averaged


def real_corpora(config: TrainConfig) -> tuple[str, ...]:
    """The names in ``--real-corpora``."""
    return tuple(c for c in config.real_corpora.split(",") if c)


def corpus_boosts(text: str) -> dict[str, float]:
    """``--corpus-boost``'s "CORPUS=FACTOR,..." as a dict; TrainingError when malformed."""
    boosts: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, factor = item.partition("=")
        try:
            value = float(factor)
        except ValueError as e:
            raise TrainingError(f"--corpus-boost {item!r}: give CORPUS=FACTOR") from e
        if not sep or not name.strip() or value <= 0:
            raise TrainingError(f"--corpus-boost {item!r}: give CORPUS=FACTOR, FACTOR > 0")
        boosts[name.strip()] = value
    return boosts


def _parse_bool(text: str) -> bool:
    """A boolean flag's value: 1, true or yes (any case) is true."""
    return text.lower() in ("1", "true", "yes")


def build_parser() -> argparse.ArgumentParser:
    """The command line: one flag per TrainConfig field, its help from the field's metadata,
    and the deprecated ``--init-from``."""
    parser = argparse.ArgumentParser(description="Train the BiLSTM-CTC acoustic model")
    for option in fields(TrainConfig):
        default: Any = option.default
        flag = "--" + option.name.replace("_", "-")
        help_text = f"{option.metadata['help']} (default {default})".replace("%", "%%")
        if isinstance(default, bool):
            # "--overwrite" alone is true; "--augment false" turns a default on off
            parser.add_argument(
                flag, type=_parse_bool, nargs="?", const=True, default=default, help=help_text
            )
        else:
            parser.add_argument(flag, type=type(default), default=default, help=help_text)
    parser.add_argument(
        "--init-from",
        metavar="PATH",
        help="deprecated: use --init PATH (or --init resume); resumes OUT/last.pt when it "
        "exists, else starts from the weights of PATH",
    )
    return parser


def config_from_args(args: argparse.Namespace) -> tuple[TrainConfig, str | None]:
    """The TrainConfig of parsed flags, and a deprecation warning to log (or None).

    ``--init-from PATH`` keeps its old meaning: resume ``OUT/last.pt`` when it exists,
    else start from the weights of PATH.
    """
    values = vars(args).copy()
    init_from = values.pop("init_from")
    if init_from is None:
        return TrainConfig(**values), None
    if values["init"] != INIT_SCRATCH:
        raise TrainingError("give --init alone: --init-from is its deprecated form")
    resume = (Path(values["out"]) / "last.pt").exists()
    values["init"] = INIT_RESUME if resume else init_from
    warning = (
        "--init-from is deprecated and goes in the next release: use --init "
        f"{values['init']} (what --init-from {init_from} means here)"
    )
    return TrainConfig(**values), warning


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; every TrainConfig field is a flag."""
    parser = build_parser()
    try:
        config, warning = config_from_args(parser.parse_args(argv))
    except TrainingError as e:
        parser.error(str(e))
    Path(config.out).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        handlers=[logging.StreamHandler(), logging.FileHandler(Path(config.out) / "train.log")],
    )
    if warning is not None:
        _LOGGER.warning("%s", warning)
    train(config)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
