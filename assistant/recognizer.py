"""The acoustic model on onnxruntime: loading, metadata checks, provider choice, log-probs.

The ONNX file describes itself in ``metadata_props`` (:mod:`assistant.model_format`): the
runtime rebuilds the feature front end from it and refuses a file it cannot run. Decoding the
log-probs is :mod:`assistant.pipeline`'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import onnxruntime as ort
from onnxruntime.capi import onnxruntime_pybind11_state as _ort_state

from assistant.audio.endpoint import trim_pauses
from assistant.errors import AudioError, ModelError
from assistant.features import log_mel
from assistant.model_format import INPUT_NAMES, OUTPUT_NAMES, ModelInfo, parse_model_info

_LOGGER = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).parent / "models"
"""Where the bundled models live inside the package."""
CPU_PROVIDER = "CPUExecutionProvider"
CUDA_PROVIDER = "CUDAExecutionProvider"

PROVIDER_CHOICES: tuple[str, ...] = ("auto", "cpu", "cuda")

# onnxruntime's own exceptions derive from Exception only, so they are listed by name.
_ORT_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    OSError,
    *(
        getattr(_ort_state, name)
        for name in (
            "Fail",
            "InvalidArgument",
            "InvalidProtobuf",
            "InvalidGraph",
            "NoSuchFile",
            "NoModel",
            "NotImplemented",
            "RuntimeException",
        )
        if hasattr(_ort_state, name)
    ),
)


def default_model_path() -> Path:
    """Path of the bundled float model, ``assistant/models/bilstm_ctc.onnx``."""
    return MODEL_DIR / "bilstm_ctc.onnx"


def choose_providers(requested: str, available: Sequence[str]) -> tuple[list[str], str]:
    """Execution providers for a ``requested`` choice ("auto", "cpu", "cuda"), and why."""
    has_cuda = CUDA_PROVIDER in available
    if requested == "cpu":
        return [CPU_PROVIDER], "CPU requested"
    if requested == "cuda":
        if has_cuda:
            return [CUDA_PROVIDER, CPU_PROVIDER], "CUDA requested"
        return [CPU_PROVIDER], (
            f"CUDA requested but this onnxruntime offers only {', '.join(available)} "
            "(install onnxruntime-gpu); falling back to CPU"
        )
    if requested == "auto":
        if has_cuda:
            return [CUDA_PROVIDER, CPU_PROVIDER], "auto: CUDA is available"
        return [CPU_PROVIDER], "auto: this onnxruntime has no CUDA provider"
    raise ValueError(f"provider must be one of {PROVIDER_CHOICES}, got {requested!r}")


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def session_options(threads: int) -> ort.SessionOptions:
    """onnxruntime settings of the acoustic model's session (benchmarks time it with these)."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: onnxruntime writes its warnings to stderr
    # weights stored as int8 (a GRU's: export.quantize) are dequantised once, at load: the
    # files hold no quantise-dequantise pairs for onnxruntime to fuse, so nothing else changes
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    return options


def _open_session(path: Path, providers: list[str], threads: int) -> ort.InferenceSession:
    if not path.is_file():
        raise ModelError(f"{path}: no such model file")
    options = session_options(threads)
    try:
        return ort.InferenceSession(str(path), sess_options=options, providers=providers)
    except _ORT_ERRORS as e:
        raise ModelError(f"{path}: not a readable ONNX model ({_one_line(e)})") from e


def _check_signature(session: ort.InferenceSession, info: ModelInfo) -> None:
    inputs = {node.name: node for node in session.get_inputs()}
    outputs = {node.name: node for node in session.get_outputs()}
    for kind, names, found in (("input", INPUT_NAMES, inputs), ("output", OUTPUT_NAMES, outputs)):
        if set(names) - set(found):
            raise ModelError(
                f"{info.path}: model {kind}s are {sorted(found)}, expected {list(names)}"
            )
    n_mels = inputs["features"].shape[-1]
    if isinstance(n_mels, int) and n_mels != info.feature_config.n_mels:
        raise ModelError(
            f"{info.path}: input 'features' has {n_mels} mel bands, feature_config says "
            f"{info.feature_config.n_mels}"
        )
    vocab_size = outputs["log_probs"].shape[-1]
    if isinstance(vocab_size, int) and vocab_size != len(info.vocabulary):
        raise ModelError(
            f"{info.path}: output 'log_probs' has {vocab_size} classes, the vocabulary has "
            f"{len(info.vocabulary)}"
        )


def load_model_info(path: str | Path) -> ModelInfo:
    """Read and check the metadata of the model at ``path`` (opens it on the CPU)."""
    path = Path(path)
    session = _open_session(path, [CPU_PROVIDER], threads=1)
    info = parse_model_info(path, session.get_modelmeta().custom_metadata_map)
    _check_signature(session, info)
    return info


class Recognizer:
    """An exported acoustic model in one onnxruntime session, created once and reused."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        provider: str = "auto",
        intra_op_num_threads: int = 1,
    ) -> None:
        """Open the model at ``path`` (default: bundled) on ``provider`` with that many threads."""
        if intra_op_num_threads < 1:
            raise ValueError(f"intra_op_num_threads must be >= 1, got {intra_op_num_threads}")
        self.path = Path(path) if path is not None else default_model_path()
        providers, reason = choose_providers(provider, ort.get_available_providers())
        self._session = _open_session(self.path, providers, intra_op_num_threads)
        self.info = parse_model_info(self.path, self._session.get_modelmeta().custom_metadata_map)
        _check_signature(self._session, self.info)
        self.provider: str = self._session.get_providers()[0]
        """The execution provider the session actually runs on."""
        if CUDA_PROVIDER in providers and self.provider != CUDA_PROVIDER:
            reason += "; CUDA failed to initialise, running on CPU"
        fell_back = provider == "cuda" and self.provider != CUDA_PROVIDER
        _LOGGER.log(
            logging.WARNING if fell_back else logging.INFO,
            "acoustic model %s runs on %s with %d thread(s): %s",
            self.path,
            self.provider,
            intra_op_num_threads,
            reason,
        )

    def log_probs(self, audio: np.ndarray, *, trim: bool = True) -> np.ndarray:
        """Log-probabilities (T', V) float32 of mono float audio at the model's sample rate.

        With ``trim``, long quiet before and after the speech is cut first
        (:func:`assistant.audio.endpoint.trim_pauses`): the model misreads speech among
        seconds of room tone, which push-to-talk recordings often hold.
        """
        samples = np.asarray(audio)
        if samples.ndim != 1:
            raise AudioError(f"expected mono audio of shape (samples,), got {samples.shape}")
        if samples.size == 0:
            raise AudioError("the audio is empty")
        if not np.issubdtype(samples.dtype, np.floating):
            raise AudioError(f"expected float audio in [-1, 1], got dtype {samples.dtype}")
        if not np.all(np.isfinite(samples)):
            raise AudioError("the audio holds NaN or infinite samples")
        samples = samples.astype(np.float32, copy=False)
        if trim:
            samples = trim_pauses(samples)
        features = np.ascontiguousarray(
            log_mel(samples, self.info.feature_config), dtype=np.float32
        )
        feeds = {
            "features": features[None],
            "lengths": np.array([features.shape[0]], dtype=np.int64),
        }
        try:
            log_probs, out_lengths = self._session.run(list(OUTPUT_NAMES), feeds)
        except _ORT_ERRORS as e:
            raise ModelError(f"{self.path}: inference failed ({_one_line(e)})") from e
        frames = min(max(int(out_lengths[0]), 0), log_probs.shape[1])
        return np.ascontiguousarray(log_probs[0, :frames], dtype=np.float32)
