"""The onnxruntime recognizer on tiny contract-following models."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from assistant.errors import AudioError, ModelError
from assistant.features import FeatureConfig, log_mel
from assistant.model_format import parse_model_info
from assistant.recognizer import (
    CPU_PROVIDER,
    CUDA_PROVIDER,
    Recognizer,
    choose_providers,
    default_model_path,
    load_model_info,
)
from assistant.vocabulary import TOKENS


def reference_log_probs(
    audio: np.ndarray, weights: np.ndarray, config: FeatureConfig, factor: int = 4
) -> np.ndarray:
    """What the tiny model computes, in numpy."""
    logits = log_mel(audio, config)[::factor] @ weights.astype(np.float32)
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def test_model_info_is_parsed_from_metadata(model_path: Path) -> None:
    info = load_model_info(model_path)
    assert info.path == model_path
    assert info.model_type == "bilstm_ctc"
    assert info.format_version == 1
    assert info.sample_rate == 16000
    assert info.feature_config == FeatureConfig()
    assert info.vocabulary == TOKENS
    assert info.blank_id == 0
    assert info.subsampling_factor == 4
    assert info.model_config == {"hidden": 8, "layers": 1}
    assert info.versions == {"torch": "test", "step": 7}
    assert info.model_card == "A test model: one matrix, no training."
    assert info.output_frame_s == pytest.approx(0.04)


def test_model_card_is_optional(make_model) -> None:
    assert load_model_info(make_model(drop=["model_card"])).model_card is None


def test_log_probs_match_numpy_reference(make_model, speechlike: np.ndarray) -> None:
    weights = np.random.default_rng(3).normal(size=(80, len(TOKENS)))
    recognizer = Recognizer(make_model(weights=weights), provider="cpu")
    log_probs = recognizer.log_probs(speechlike)
    expected = reference_log_probs(speechlike, weights, FeatureConfig())
    assert log_probs.shape == (13, len(TOKENS))  # 51 feature frames, every 4th kept
    assert log_probs.dtype == np.float32
    np.testing.assert_allclose(log_probs, expected, atol=1e-4)
    np.testing.assert_allclose(np.exp(log_probs).sum(axis=1), 1.0, rtol=1e-5)


def test_long_pauses_are_trimmed_before_the_model(make_model, speechlike: np.ndarray) -> None:
    recognizer = Recognizer(make_model(), provider="cpu")
    hiss = 0.002 * np.random.default_rng(2).standard_normal(3 * 16000).astype(np.float32)
    recorded = np.concatenate([hiss, speechlike, hiss])  # key down, 3 s, word, 3 s, key up
    kept = recognizer.log_probs(recorded).shape[0]
    # the word plus at most 0.4 s of quiet each side, not the 6.5 s recorded
    assert recognizer.log_probs(speechlike).shape[0] <= kept <= (0.5 + 0.8) * 25 + 1
    assert recognizer.log_probs(recorded, trim=False).shape[0] == 163  # 651 frames, every 4th


def test_features_follow_the_models_feature_config(make_model, speechlike: np.ndarray) -> None:
    config = FeatureConfig(n_mels=40, hop_length=320)
    weights = np.random.default_rng(4).normal(size=(40, len(TOKENS)))
    recognizer = Recognizer(make_model(feature_config=config, weights=weights))
    assert recognizer.info.feature_config == config
    log_probs = recognizer.log_probs(speechlike)
    assert log_probs.shape == (7, len(TOKENS))  # 1 + 8000 // 320 = 26 frames -> ceil(26 / 4)
    np.testing.assert_allclose(
        log_probs, reference_log_probs(speechlike, weights, config), atol=1e-4
    )


@pytest.mark.parametrize(
    ("audio", "message"),
    [
        (np.zeros((100, 2), dtype=np.float32), "mono"),
        (np.zeros(0, dtype=np.float32), "empty"),
        (np.zeros(100, dtype=np.int16), "dtype int16"),
        (np.array([0.0, np.nan, 0.0], dtype=np.float32), "NaN"),
    ],
)
def test_unusable_audio_raises_audio_error(
    model_path: Path, audio: np.ndarray, message: str
) -> None:
    with pytest.raises(AudioError, match=message):
        Recognizer(model_path).log_probs(audio)


def test_missing_model_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.onnx"
    with pytest.raises(ModelError, match=r"absent\.onnx: no such model file"):
        Recognizer(path)


def test_truncated_model_file(model_path: Path) -> None:
    data = model_path.read_bytes()
    model_path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match=r"model\.onnx: not a readable ONNX model"):
        Recognizer(model_path)


def test_text_file_is_not_a_model(tmp_path: Path) -> None:
    path = tmp_path / "notes.onnx"
    path.write_text("this is not a model\n")
    with pytest.raises(ModelError, match=r"notes\.onnx: not a readable ONNX model"):
        load_model_info(path)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"drop": ["vocabulary"]}, "metadata lacks vocabulary"),
        ({"drop": ["sample_rate", "blank_id"]}, "metadata lacks sample_rate, blank_id"),
        ({"overrides": {"model_type": "conformer"}}, "model_type is 'conformer'"),
        ({"overrides": {"format_version": "2"}}, "format_version is 2, this runtime reads 1"),
        ({"overrides": {"sample_rate": "8000"}}, "sample_rate is 8000 Hz, this runtime uses"),
        (
            {"overrides": {"vocabulary": '["<blank>", " ", "a"]'}},
            "the model has 3 tokens, this runtime has 29",
        ),
        (
            {"overrides": {"vocabulary": '["<blank>", "\'", " "' + ', "x"' * 26 + "]"}},
            "vocabulary differs at index 1: model has \"'\", this runtime has ' '",
        ),
        ({"overrides": {"vocabulary": "{}"}}, "not a JSON list of strings"),
        ({"overrides": {"blank_id": "28"}}, "blank_id is 28, this runtime uses 0"),
        ({"overrides": {"subsampling_factor": "four"}}, "'four', not an integer"),
        ({"overrides": {"feature_config": "{n_mels: 80"}}, "'feature_config' is not valid JSON"),
        ({"overrides": {"model_config": "[1, 2]"}}, "'model_config' is list, not a JSON object"),
        (
            {
                "feature_config": FeatureConfig(sample_rate=8000),
                "overrides": {"sample_rate": "16000"},
            },
            "feature_config sample_rate is 8000 Hz, metadata sample_rate is 16000 Hz",
        ),
        ({"vocab_size": 10}, "output 'log_probs' has 10 classes, the vocabulary has 29"),
    ],
)
def test_mismatched_model_is_refused(make_model, change: dict, message: str) -> None:
    path = make_model(**change)
    with pytest.raises(ModelError, match=f"^{path}: ") as caught:
        Recognizer(path)
    assert message in str(caught.value)


def test_parse_model_info_names_the_file() -> None:
    with pytest.raises(ModelError, match=r"^x\.onnx: metadata lacks model_type"):
        parse_model_info("x.onnx", {})


@pytest.mark.parametrize(
    ("requested", "available", "expected"),
    [
        ("cpu", [CUDA_PROVIDER, CPU_PROVIDER], [CPU_PROVIDER]),
        ("cuda", [CUDA_PROVIDER, CPU_PROVIDER], [CUDA_PROVIDER, CPU_PROVIDER]),
        ("cuda", [CPU_PROVIDER], [CPU_PROVIDER]),
        ("auto", [CUDA_PROVIDER, CPU_PROVIDER], [CUDA_PROVIDER, CPU_PROVIDER]),
        ("auto", ["AzureExecutionProvider", CPU_PROVIDER], [CPU_PROVIDER]),
    ],
)
def test_choose_providers(requested: str, available: list[str], expected: list[str]) -> None:
    assert choose_providers(requested, available)[0] == expected


def test_choose_providers_rejects_unknown_choice() -> None:
    with pytest.raises(ValueError, match="'tpu'"):
        choose_providers("tpu", [CPU_PROVIDER])


def test_cuda_request_falls_back_to_cpu_with_one_log_line(
    model_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: [CPU_PROVIDER])
    with caplog.at_level(logging.INFO, logger="assistant.recognizer"):
        recognizer = Recognizer(model_path, provider="cuda", intra_op_num_threads=2)
    assert recognizer.provider == CPU_PROVIDER
    records = [r for r in caplog.records if r.name == "assistant.recognizer"]
    assert len(records) == 1
    assert records[0].levelno == logging.WARNING
    message = records[0].getMessage()
    assert f"runs on {CPU_PROVIDER} with 2 thread(s)" in message
    assert "CUDA requested but this onnxruntime offers only CPUExecutionProvider" in message
    assert "falling back to CPU" in message


def test_cpu_choice_is_logged_at_info(model_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="assistant.recognizer"):
        recognizer = Recognizer(model_path, provider="cpu")
    assert recognizer.provider == CPU_PROVIDER
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (
            logging.INFO,
            f"acoustic model {model_path} runs on {CPU_PROVIDER} with 1 thread(s): CPU requested",
        )
    ]


def test_thread_count_must_be_positive(model_path: Path) -> None:
    with pytest.raises(ValueError, match="intra_op_num_threads must be >= 1, got 0"):
        Recognizer(model_path, intra_op_num_threads=0)


def test_default_model_path_is_bundled() -> None:
    path = default_model_path()
    assert path.name == "bilstm_ctc.onnx"
    assert path.parent.name == "models"
    assert path.parent.parent.name == "assistant"


@pytest.mark.gpu
@pytest.mark.skipif(
    CUDA_PROVIDER not in ort.get_available_providers(), reason="onnxruntime has no CUDA provider"
)
def test_cuda_provider_runs(model_path: Path, speechlike: np.ndarray) -> None:
    gpu = Recognizer(model_path, provider="cuda")
    cpu = Recognizer(model_path, provider="cpu")
    assert gpu.provider == CUDA_PROVIDER
    np.testing.assert_allclose(gpu.log_probs(speechlike), cpu.log_probs(speechlike), atol=1e-3)
