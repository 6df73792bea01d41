#!/usr/bin/env bash
# Continue training on a lent GPU machine that has PyTorch but no network and none of our data.
#
# Here, first:
#   .venv/bin/python -m models.data.pack create gpu_pack            # ~50 MB of Opus
#   .venv/bin/python -m models.checkpoint compact runs/base6/last.pt --out gpu_pack
# and, if the machine lacks soundfile, its wheels in .whl/ (see docs/model_card.md). There:
#   scripts/train_gpu.sh gpu_pack gpu_pack/last.pt OUT --time-limit 420 [train flags...]
# unpacks the data, trains from the weights of INIT with one data-loader process per spare core
# and no dev evaluation (the measurement sets stay here), then leaves float16 copies of the
# last numbered checkpoints and of their average in OUT, with the log. Measure them here with
# models.evaluate and models.average.
# Environment: PYTHON (default python3), KEEP (numbered checkpoints to bring back, default 5).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
  echo "usage: $0 PACK INIT OUT [train flags...]" >&2
  exit 2
fi
pack=$1 init=$2 out=$3
shift 3
python="${PYTHON:-python3}"
keep="${KEEP:-5}"
export PYTHONUNBUFFERED=1
# one thread per data-loader process: numpy would otherwise start one per core in each
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

if ! "$python" -c 'import soundfile' 2>/dev/null; then
  ls .whl/*.whl >/dev/null 2>&1 || { echo "no soundfile and no .whl/ wheels to install" >&2; exit 2; }
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:${PYTHONPATH:-}"
fi
export PYTHONPATH="$PWD:${PYTHONPATH:-}"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
"$python" -c 'import torch, soundfile, onnxruntime as o
print("torch", torch.__version__, "cuda", torch.cuda.is_available(), "| libsndfile", soundfile.__libsndfile_version__, "| onnxruntime", o.__version__, o.get_available_providers())'

data=/tmp/train_data
run=/tmp/train_run
rm -rf "$data" "$run"
start=$(date +%s)
"$python" -m models.data.pack extract "$pack" "$data" --workers "$(nproc)"
echo "unpacked in $(( $(date +%s) - start )) s"
workers=$(( $(nproc) > 2 ? $(nproc) - 1 : 1 ))
ASSISTANT_SPEECH_DIR="$data/speech" "$python" -m models.train --out "$run" --tts-dir "$data/tts" \
  --init "$init" --eval-limit 0 --workers "$workers" --threads 2 --average-by last \
  --average-last "$keep" "$@"
mkdir -p "$out"
# shellcheck disable=SC2046
"$python" -m models.checkpoint compact "$run/averaged.pt" \
  $(ls "$run"/step_*.pt | tail -n "$keep") --out "$out"
cp "$run/train.log" "$out/"
ls -la "$out"
