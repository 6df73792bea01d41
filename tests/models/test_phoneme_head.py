"""The auxiliary phoneme CTC head: its targets, its training and its absence from exports."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from assistant.features import FeatureConfig
from export.onnx_export import export_onnx
from models.checkpoint import load_checkpoint, model_from_checkpoint
from models.data.phonemes import PHONEME_TOKENS, WORD_BOUNDARY, encode_phones
from models.model import build_model, without_phoneme_head
from models.train import TrainConfig, train


def test_phones_map_to_ids_and_unknown_ones_are_left_out() -> None:
    ids = encode_phones("k eɪ t | l ʌ v z | ʘ")
    assert [PHONEME_TOKENS[i] for i in ids] == [
        "k",
        "eɪ",
        "t",
        WORD_BOUNDARY,
        "l",
        "ʌ",
        "v",
        "z",
        WORD_BOUNDARY,
    ]
    assert 0 not in ids  # the blank is never a target


def test_transcripts_are_read_into_phonemes_by_espeak() -> None:
    pytest.importorskip("phonemizer")
    pytest.importorskip("espeakng_loader")
    from models.data.phonemes import phoneme_targets

    found = phoneme_targets(["kate loves china", "eight", "eight"])
    assert set(found) == {"kate loves china", "eight"}
    assert [PHONEME_TOKENS[i] for i in found["eight"]] == ["eɪ", "t"]
    words = [PHONEME_TOKENS[i] for i in found["kate loves china"]]
    assert words.count(WORD_BOUNDARY) == 2 and words[:3] == ["k", "eɪ", "t"]


def test_the_head_reads_the_last_layer_and_leaves_the_characters_alone() -> None:
    torch.manual_seed(0)
    model = build_model(preset="tiny", phoneme_classes=len(PHONEME_TOKENS)).eval()
    features, lengths = torch.randn(2, 40, 80), torch.tensor([40, 28])
    chars, phones, out_lengths = model.forward_with_phonemes(features, lengths)
    assert phones.shape == (2, 10, len(PHONEME_TOKENS)) and out_lengths.tolist() == [10, 7]
    torch.testing.assert_close(phones.exp().sum(-1), torch.ones(2, 10))
    plain = without_phoneme_head(model)
    assert plain.phoneme_output is None and plain.config.phoneme_classes == 0
    torch.testing.assert_close(plain(features, lengths)[0], chars)
    torch.testing.assert_close(model(features, lengths)[0], chars)
    with pytest.raises(ValueError, match="no phoneme head"):
        plain.forward_with_phonemes(features, lengths)


def test_an_export_leaves_the_head_out(tmp_path: Path) -> None:
    model = build_model(preset="tiny", phoneme_classes=len(PHONEME_TOKENS))
    path = export_onnx(model, FeatureConfig(), tmp_path / "m.onnx")
    import onnx

    metadata = {p.key: p.value for p in onnx.load(str(path)).metadata_props}
    assert json.loads(metadata["model_config"])["phoneme_classes"] == 0
    assert model.phoneme_output is not None  # the model itself keeps its head


@pytest.mark.slow
def test_training_with_phonemes_warm_from_a_model_without(
    tiny_corpus: Path, tmp_path: Path
) -> None:
    pytest.importorskip("phonemizer")
    from tests.models.test_checkpoint_train import read_metrics, tiny_config

    plain_run = tmp_path / "plain"
    train(tiny_config(plain_run, tiny_corpus, steps=3))
    config = replace(
        tiny_config(tmp_path / "phonemes", tiny_corpus, steps=3),
        init=str(plain_run / "step_000003.pt"),
        phoneme_weight=0.5,
        eval_limit=0,
    )
    train(config)
    state = load_checkpoint(tmp_path / "phonemes" / "last.pt")
    assert state["model_config"]["phoneme_classes"] == len(PHONEME_TOKENS)
    start = load_checkpoint(plain_run / "step_000003.pt")["model"]
    assert not torch.equal(state["model"]["output.weight"], start["output.weight"])
    rows = read_metrics(tmp_path / "phonemes" / "metrics.jsonl")
    assert all(r["phoneme_loss"] > 0 for r in rows if r["kind"] == "train")
    # and back: a run without the head starts from the one with it
    back = replace(
        config,
        out=str(tmp_path / "back"),
        init=str(tmp_path / "phonemes" / "last.pt"),
        phoneme_weight=0.0,
    )
    train(back)
    model, _, _ = model_from_checkpoint(tmp_path / "back" / "last.pt")
    assert model.phoneme_output is None


def test_phoneme_weight_must_not_be_negative(tmp_path: Path) -> None:
    from models.errors import TrainingError

    with pytest.raises(TrainingError, match="phoneme-weight"):
        train(TrainConfig(out=str(tmp_path), phoneme_weight=-1.0))
