"""The acoustic model: shapes, output lengths, padding invariance, initialisation, presets."""

from __future__ import annotations

import logging

import pytest
import torch

from models.errors import TrainingError
from models.model import (
    PRESETS,
    AcousticModel,
    ModelConfig,
    build_model,
    output_lengths,
)

TINY = {"n_mels": 16, "conv_channels": 8, "hidden_size": 6, "num_layers": 2, "dropout": 0.0}


def tiny_model(**overrides: object) -> AcousticModel:
    """A very small model in eval mode with fixed random weights."""
    torch.manual_seed(0)
    return build_model(preset="tiny", **{**TINY, **overrides}).eval()


@pytest.mark.parametrize(
    ("frames", "expected"),
    [(1, 1), (2, 1), (3, 1), (4, 1), (5, 2), (8, 2), (9, 3), (100, 25), (101, 26), (1000, 250)],
)
def test_output_lengths_are_ceil_of_quarter(frames: int, expected: int) -> None:
    assert output_lengths(torch.tensor([frames])).tolist() == [expected]


@pytest.mark.parametrize("frames", [1, 4, 7, 33, 120])
def test_forward_shapes_and_lengths(frames: int) -> None:
    model = tiny_model()
    features = torch.randn(3, frames, TINY["n_mels"])
    lengths = torch.tensor([frames, max(1, frames - 3), max(1, frames // 2)])
    with torch.inference_mode():
        log_probs, out_lengths = model(features, lengths)
    frames_out = -(-frames // 4)
    assert log_probs.shape == (3, frames_out, model.config.vocab_size)
    assert log_probs.dtype == torch.float32
    assert out_lengths.tolist() == [-(-int(n) // 4) for n in lengths]
    # log-softmax over the vocabulary
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(3, frames_out))


@pytest.mark.parametrize("rnn_type", ["lstm", "gru"])
@pytest.mark.parametrize("bidirectional", [True, False], ids=["bi", "uni"])
@pytest.mark.parametrize("padding_scale", [0.0, 5.0], ids=["zero-pad", "noise-pad"])
def test_item_alone_equals_item_in_padded_batch(
    rnn_type: str, bidirectional: bool, padding_scale: float
) -> None:
    model = tiny_model(rnn_type=rnn_type, bidirectional=bidirectional)
    generator = torch.Generator().manual_seed(1)
    short = torch.randn(1, 37, TINY["n_mels"], generator=generator)
    long = torch.randn(1, 90, TINY["n_mels"], generator=generator)
    # zeros are what collate pads with; loud noise shows any leak of padding into the item
    padding = padding_scale * torch.randn(1, 90 - 37, TINY["n_mels"], generator=generator)
    batch = torch.cat([torch.cat([short, padding], dim=1), long])
    with torch.inference_mode():
        alone, alone_lengths = model(short, torch.tensor([37]))
        together, together_lengths = model(batch, torch.tensor([37, 90]))
        long_alone, _ = model(long, torch.tensor([90]))
    n = int(alone_lengths[0])
    assert n == int(together_lengths[0]) == 10
    assert together.shape == (2, 23, model.config.vocab_size)
    torch.testing.assert_close(together[0, :n], alone[0], atol=1e-5, rtol=0)
    torch.testing.assert_close(together[1], long_alone[0], atol=1e-5, rtol=0)


def test_lstm_forget_gate_bias_is_one() -> None:
    model = tiny_model(rnn_type="lstm", bidirectional=True)
    hidden = model.config.hidden_size
    biases = [
        p.detach()
        for rnn in model.rnns
        for n, p in rnn.named_parameters()
        if n.startswith("bias_ih")
    ]
    assert len(biases) == model.config.num_layers * 2  # forward and reverse of each layer
    for bias in biases:
        assert bias.shape == (4 * hidden,)
        torch.testing.assert_close(bias[hidden : 2 * hidden], torch.ones(hidden))
        # the other gates keep PyTorch's uniform(-1/sqrt(hidden), 1/sqrt(hidden)) init
        others = torch.cat([bias[:hidden], bias[2 * hidden :]])
        assert float(others.abs().max()) <= hidden**-0.5


def test_gru_bias_is_left_at_default() -> None:
    model = tiny_model(rnn_type="gru")
    for rnn in model.rnns:
        for name, param in rnn.named_parameters():
            if name.startswith("bias"):
                assert float(param.detach().abs().max()) <= model.config.hidden_size**-0.5


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_build_model_presets(preset: str) -> None:
    model = build_model(preset=preset)
    assert model.config == PRESETS[preset]
    assert len(model.rnns) == PRESETS[preset].num_layers
    assert model.output.out_features == 29


def test_presets_grow_in_size() -> None:
    sizes = [
        sum(p.numel() for p in build_model(preset=name).parameters())
        for name in ("tiny", "small", "base", "large")
    ]
    assert sizes == sorted(sizes)
    assert sizes[0] < 100_000


def test_build_model_overrides_fields() -> None:
    model = build_model(preset="tiny", rnn_type="gru", bidirectional=False, hidden_size=12)
    assert model.config == ModelConfig(
        conv_channels=32,
        hidden_size=12,
        num_layers=1,
        dropout=0.0,
        rnn_type="gru",
        bidirectional=False,
    )
    assert isinstance(model.rnns[0], torch.nn.GRU)
    assert model.output.in_features == 12


def test_unknown_preset_raises() -> None:
    with pytest.raises(ValueError, match="unknown preset 'huge'"):
        build_model(preset="huge")


def test_unknown_rnn_type_raises() -> None:
    with pytest.raises(ValueError, match="rnn_type must be 'lstm' or 'gru', got 'transformer'"):
        build_model(preset="tiny", rnn_type="transformer")


def test_config_round_trips_through_its_dict() -> None:
    config = ModelConfig(**TINY)
    assert ModelConfig.from_dict(config.to_dict()) == config
    # a field the stored dict lacks takes its default
    stored = config.to_dict()
    del stored["dropout"]
    assert ModelConfig.from_dict(stored).dropout == ModelConfig().dropout


def test_config_from_dict_drops_a_removed_field_only_at_its_neutral_value(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stored = {**ModelConfig(**TINY).to_dict(), "residual_layers": 0}
    with caplog.at_level(logging.DEBUG, logger="models.model"):
        assert ModelConfig.from_dict(stored) == ModelConfig(**TINY)
    assert "ignoring the removed model config field residual_layers=0" in caplog.text
    with pytest.raises(TrainingError, match="residual_layers=1: this version builds only"):
        ModelConfig.from_dict({**stored, "residual_layers": 1})
    with pytest.raises(TrainingError, match="unknown model config field 'attention'"):
        ModelConfig.from_dict({**ModelConfig().to_dict(), "attention": True})
