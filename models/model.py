"""The acoustic model: convolutional front end, recurrent layers, CTC output over characters.

``forward`` returns log-probabilities and their lengths; the CTC loss lives in training code.
Padded batches are packed before each recurrent layer, so a bidirectional layer never reads
padding (an unpacked backward pass starts in the padding and gives worse output).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import cast

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from assistant.vocabulary import TOKENS


@dataclass(frozen=True)
class ModelConfig:
    """Sizes and choices of the acoustic model."""

    n_mels: int = 80
    """Input features per frame."""
    vocab_size: int = len(TOKENS)
    """Output classes, CTC blank included."""
    conv_channels: int = 256
    """Channels of the two strided convolutions of the front end."""
    conv_kernel: int = 5
    """Kernel width of the front-end convolutions, in frames."""
    rnn_type: str = "lstm"
    """'lstm' or 'gru'."""
    hidden_size: int = 256
    """Units per direction of each recurrent layer."""
    num_layers: int = 3
    """Recurrent layers."""
    bidirectional: bool = True
    """Read the utterance in both directions (needs the whole utterance)."""
    dropout: float = 0.15
    """Dropout between layers during training."""
    residual_layers: int = 0
    """The top ones of the recurrent layers that add their normalised output to their input
    instead of replacing it: the layers :func:`grow` puts on a trained model."""

    @property
    def subsampling_factor(self) -> int:
        """Input frames per output frame (two stride-2 convolutions)."""
        return 4

    def to_dict(self) -> dict[str, object]:
        """Plain dict, for checkpoints and ONNX metadata."""
        return asdict(self)


PRESETS: dict[str, ModelConfig] = {
    "tiny": ModelConfig(conv_channels=32, hidden_size=32, num_layers=1, dropout=0.0),
    "small": ModelConfig(conv_channels=192, hidden_size=192, num_layers=3),
    "base": ModelConfig(),
    "large": ModelConfig(conv_channels=320, hidden_size=320, num_layers=4),
}


def output_lengths(lengths: torch.Tensor) -> torch.Tensor:
    """Output frames for input ``lengths`` after two stride-2 convolutions with 'same' padding."""
    for _ in range(2):
        lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
    return lengths


def _mask_time(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Zero ``x`` (batch, channels, time) past each item's length."""
    positions = torch.arange(x.shape[-1], device=x.device)[None, :]
    return x * (positions < lengths[:, None]).unsqueeze(1).to(x.dtype)


class AcousticModel(nn.Module):
    """BiLSTM-CTC (or GRU, or unidirectional) over log-mel features."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.rnn_type not in ("lstm", "gru"):
            raise ValueError(f"rnn_type must be 'lstm' or 'gru', got {config.rnn_type!r}")
        if not 0 <= config.residual_layers < config.num_layers:
            # the first layer reads the convolutions' channels, so it cannot add to them
            raise ValueError(
                f"residual_layers must be in [0, num_layers - 1 = {config.num_layers - 1}], "
                f"got {config.residual_layers}"
            )
        self.config = config
        pad = config.conv_kernel // 2
        self.conv1 = nn.Conv1d(config.n_mels, config.conv_channels, config.conv_kernel, 2, pad)
        self.conv2 = nn.Conv1d(
            config.conv_channels, config.conv_channels, config.conv_kernel, 2, pad
        )
        rnn_class = nn.LSTM if config.rnn_type == "lstm" else nn.GRU
        directions = 2 if config.bidirectional else 1
        self.rnns = nn.ModuleList()
        self.norms = nn.ModuleList()
        in_size = config.conv_channels
        for _ in range(config.num_layers):
            self.rnns.append(
                rnn_class(
                    in_size,
                    config.hidden_size,
                    batch_first=True,
                    bidirectional=config.bidirectional,
                )
            )
            in_size = config.hidden_size * directions
            # normalisation between recurrent layers, not inside them
            self.norms.append(nn.LayerNorm(in_size))
        self.dropout = nn.Dropout(config.dropout)
        self.output = nn.Linear(in_size, config.vocab_size)
        self._init_forget_gate_bias()

    def _init_forget_gate_bias(self) -> None:
        # A forget-gate bias of 1 lets gradients flow through time early in training
        # (Jozefowicz et al., 2015). PyTorch orders LSTM gates input, forget, cell, output.
        if self.config.rnn_type != "lstm":
            return
        hidden = self.config.hidden_size
        for rnn in self.rnns:
            for name, param in rnn.named_parameters():
                if name.startswith("bias_ih"):
                    with torch.no_grad():
                        param[hidden : 2 * hidden].fill_(1.0)

    def forward(
        self, features: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-probs (batch, frames_out, vocab) and their lengths, for features
        (batch, frames, n_mels) float32 with valid ``lengths`` (batch,) int64."""
        # zero the padding first: conv1 reaches past each item's end, and padding holding
        # anything but zeros would change the item's last frames (and, through a backward
        # layer, all of them)
        x = _mask_time(features.transpose(1, 2), lengths)
        x = nn.functional.gelu(self.conv1(x))
        mid_lengths = torch.div(lengths - 1, 2, rounding_mode="floor") + 1
        x = _mask_time(x, mid_lengths)
        x = nn.functional.gelu(self.conv2(x))
        out_lengths = output_lengths(lengths)
        x = x.transpose(1, 2)
        first_residual = self.config.num_layers - self.config.residual_layers
        for layer, (rnn, norm) in enumerate(zip(self.rnns, self.norms, strict=True)):
            packed = pack_padded_sequence(
                x, out_lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            y, _ = rnn(packed)
            y, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
            y = self.dropout(norm(y))
            x = x + y if layer >= first_residual else y
        # under bfloat16 autocast the normalisation over classes is still done in float32
        return self.output(x).float().log_softmax(dim=-1), out_lengths


def preset_config(preset: str = "base", **overrides: object) -> ModelConfig:
    """The config of a named preset ('tiny', 'small', 'base', 'large'), fields overridable."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    return replace(PRESETS[preset], **overrides)  # type: ignore[arg-type]


def build_model(*, preset: str = "base", **overrides: object) -> AcousticModel:
    """A new model of a named preset ('tiny', 'small', 'base', 'large'), fields overridable."""
    return AcousticModel(preset_config(preset, **overrides))


def grow(model: AcousticModel, layers: int, gain: float = 0.0) -> AcousticModel:
    """``model`` with ``layers`` more recurrent layers on top, computing the same function.

    Each new layer adds its normalised output to its input (a residual layer), and its
    normalisation starts with zero bias and ``gain`` on every unit, so with the default 0 it
    adds nothing until training moves them: a trained model gains capacity without starting
    over (ReZero, Bachlechner et al., 2020, with the zero on the normalisation's gain). A small
    positive ``gain`` (LayerScale, Touvron et al., 2021) changes the function a little at the
    start, but gives each new unit a sign to grow from: from zero, the gains random-walk
    around it and the new layer learns little (stop 31: mean |gain| 0.005 after 1,000 steps).
    """
    if layers < 1:
        raise ValueError(f"layers must be >= 1, got {layers}")
    if not 0.0 <= gain <= 1.0:
        raise ValueError(f"gain must be in [0, 1], got {gain}")
    config = replace(
        model.config,
        num_layers=model.config.num_layers + layers,
        residual_layers=model.config.residual_layers + layers,
    )
    grown = AcousticModel(config)
    missing, unexpected = grown.load_state_dict(model.state_dict(), strict=False)
    if unexpected:
        raise ValueError(f"weights the grown model lacks: {unexpected}")
    if any(not name.startswith(grown_prefixes(model.config, config)) for name in missing):
        raise ValueError(f"weights the source model lacks: {missing}")
    for layer in range(model.config.num_layers, config.num_layers):
        norm = cast(nn.LayerNorm, grown.norms[layer])
        nn.init.constant_(norm.weight, gain)
        nn.init.zeros_(norm.bias)
    return grown


def grown_prefixes(source: ModelConfig, grown: ModelConfig) -> tuple[str, ...]:
    """Name prefixes of the parameters :func:`grow` adds to a ``source`` model to make a
    ``grown`` one (none when the two have as many layers)."""
    return tuple(
        f"{kind}.{layer}."
        for layer in range(source.num_layers, grown.num_layers)
        for kind in ("rnns", "norms")
    )


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
