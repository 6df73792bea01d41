#!/usr/bin/env bash
# Set up and run the latency benchmark on a bare GPU machine (NVIDIA driver for CUDA 12 or
# later, Python 3.10+), in a few minutes: a venv in .venv-gpu with the runtime and
# onnxruntime-gpu, then benchmarks/latency.py on CUDA and the CPU.
#   scripts/benchmark_gpu.sh                 bundled models (assistant/models/*.onnx)
#   scripts/benchmark_gpu.sh --models A.onnx --quick     any latency.py flags
# Environment: PYTHON (default python3), VENV (default .venv-gpu), SKIP_INSTALL=1 to reuse an
# existing venv without touching the network. Writes latency_gpu.json.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
venv="${VENV:-.venv-gpu}"

if ! ls assistant/models/*.onnx >/dev/null 2>&1 && [[ " $* " != *" --models "* ]]; then
  echo "no model in assistant/models/: copy bilstm_ctc.onnx (and .int8.onnx) there, or pass" \
    "--models PATH..." >&2
  exit 2
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader

if [ "${SKIP_INSTALL:-0}" != 1 ]; then
  [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
  pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check)
  "${pip[@]}" --upgrade pip
  "${pip[@]}" -e .
  # onnxruntime and onnxruntime-gpu install the same module: keep only the GPU build. Without
  # a system cuDNN 9, the cuda/cudnn extras bring the CUDA libraries as pip wheels.
  "$venv/bin/python" -m pip uninstall --quiet -y onnxruntime
  if ldconfig -p 2>/dev/null | grep -q 'libcudnn\.so\.9'; then
    "${pip[@]}" 'onnxruntime-gpu>=1.19'
  else
    "${pip[@]}" 'onnxruntime-gpu[cuda,cudnn]>=1.19'
  fi
fi
"$venv/bin/python" -c 'import onnxruntime as o; print("onnxruntime", o.__version__, o.get_available_providers())'
exec "$venv/bin/python" benchmarks/latency.py --providers cuda,cpu --json latency_gpu.json "$@"
