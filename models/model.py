"""The acoustic model: convolutional front end, recurrent layers, CTC output over characters.

``forward`` returns log-probabilities and their lengths; the CTC loss lives in training code.
Padded batches are packed before each recurrent layer, so a bidirectional layer never reads
padding (an unpacked backward pass starts in the padding and gives worse output).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from assistant.vocabulary import TOKENS
from models.errors import TrainingError

_LOGGER = logging.getLogger(__name__)


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
    phoneme_classes: int = 0
    """Classes of an auxiliary phoneme CTC head on the last layer, trained beside the
    characters (``models.data.phonemes``); 0 for none. Exports leave it out."""

    @property
    def subsampling_factor(self) -> int:
        """Input frames per output frame (two stride-2 convolutions)."""
        return 4

    def to_dict(self) -> dict[str, object]:
        """Plain dict, for checkpoints and ONNX metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, object]) -> ModelConfig:
        """The config a checkpoint or an export stored (see :meth:`to_dict`).

        Fields it lacks take their defaults. A field this version no longer has is dropped
        when it holds the value under which the model computes what it computes now (see
        REMOVED_FIELDS); any other value, or an unknown field, raises TrainingError.
        """
        known = {f.name for f in fields(cls)}
        kept: dict[str, object] = {}
        for name, value in values.items():
            if name in known:
                kept[name] = value
            elif name in REMOVED_FIELDS and value == REMOVED_FIELDS[name]:
                _LOGGER.debug("ignoring the removed model config field %s=%r", name, value)
            elif name in REMOVED_FIELDS:
                raise TrainingError(
                    f"model config {name}={value!r}: this version builds only "
                    f"{name}={REMOVED_FIELDS[name]!r}"
                )
            else:
                raise TrainingError(
                    f"unknown model config field {name!r}; expected some of {sorted(known)}"
                )
        return cls(**kept)  # type: ignore[arg-type]


REMOVED_FIELDS: dict[str, object] = {"residual_layers": 0}
"""ModelConfig fields older checkpoints and exports hold, each with the one value that
:meth:`ModelConfig.from_dict` accepts (the one the model computes the same function with)."""


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
        self.phoneme_output = (
            nn.Linear(in_size, config.phoneme_classes) if config.phoneme_classes else None
        )
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
        hidden, out_lengths = self.encode(features, lengths)
        # under bfloat16 autocast the normalisation over classes is still done in float32
        return self.output(hidden).float().log_softmax(dim=-1), out_lengths

    def forward_with_phonemes(
        self, features: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Character log-probs, phoneme log-probs (batch, frames_out, phoneme_classes) and
        their lengths; ValueError when the model has no phoneme head."""
        if self.phoneme_output is None:
            raise ValueError("this model has no phoneme head (phoneme_classes is 0)")
        hidden, out_lengths = self.encode(features, lengths)
        return (
            self.output(hidden).float().log_softmax(dim=-1),
            self.phoneme_output(hidden).float().log_softmax(dim=-1),
            out_lengths,
        )

    def encode(
        self, features: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The last recurrent layer's output (batch, frames_out, width) and its lengths."""
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
        for rnn, norm in zip(self.rnns, self.norms, strict=True):
            packed = pack_padded_sequence(
                x, out_lengths.cpu(), batch_first=True, enforce_sorted=False
            )
            y, _ = rnn(packed)
            y, _ = pad_packed_sequence(y, batch_first=True, total_length=x.shape[1])
            x = self.dropout(norm(y))
        return x, out_lengths


def without_phoneme_head(model: AcousticModel) -> AcousticModel:
    """``model`` itself, or a copy without its phoneme head (what is exported)."""
    if model.phoneme_output is None:
        return model
    plain = AcousticModel(replace(model.config, phoneme_classes=0))
    weights = {k: v for k, v in model.state_dict().items() if not k.startswith("phoneme_output.")}
    plain.load_state_dict(weights)
    return plain.train(model.training)


def preset_config(preset: str = "base", **overrides: object) -> ModelConfig:
    """The config of a named preset ('tiny', 'small', 'base', 'large'), fields overridable."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    return replace(PRESETS[preset], **overrides)  # type: ignore[arg-type]


def build_model(*, preset: str = "base", **overrides: object) -> AcousticModel:
    """A new model of a named preset ('tiny', 'small', 'base', 'large'), fields overridable."""
    return AcousticModel(preset_config(preset, **overrides))


def count_parameters(model: nn.Module) -> int:
    """Trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
