#!/usr/bin/env bash
# Measure a trained checkpoint and make it the bundled model:
#   scripts/release_model.sh runs/base/averaged.pt
# Exports fp32 and int8 to runs/release/, bundles the int8 file as assistant/models/bilstm_ctc.onnx
# and writes the measurements to docs/results/. The ONNX metadata carries docs/model_card.md as
# it stands at export: update the card first (or re-export after updating it).
set -euo pipefail
cd "$(dirname "$0")/.."
checkpoint="${1:?usage: scripts/release_model.sh CHECKPOINT}"
py=.venv/bin/python
out=runs/release
mkdir -p docs/results "$out"
# the PocketSphinx comparison needs the bench extra; without it that benchmark only says "skipped"
$py -c 'import pocketsphinx' 2>/dev/null || $py -m pip install -q -e '.[bench]'
$py -m models.evaluate --checkpoint "$checkpoint" --markdown --json docs/results/evaluation.json \
  | tee docs/results/evaluation.md
$py -m export --checkpoint "$checkpoint" --model-card docs/model_card.md \
  --out "$out/bilstm_ctc.fp32.onnx" --int8 --int8-check 300 2>/dev/null | tee docs/results/export.txt
cp "$out/bilstm_ctc.fp32.int8.onnx" assistant/models/bilstm_ctc.onnx
models="$out/bilstm_ctc.fp32.onnx assistant/models/bilstm_ctc.onnx"
$py benchmarks/commands_accuracy.py --plot docs/commands_tradeoff.png | tee docs/results/commands.txt
$py benchmarks/latency.py --models $models --runs 10 --json docs/results/latency.json \
  | tee docs/results/latency.txt
$py benchmarks/vs_pocketsphinx.py --limit 40 | tee docs/results/vs_pocketsphinx.txt
$py benchmarks/soak.py --cycles 200 | tee docs/results/soak.txt
$py benchmarks/pauses.py --json docs/results/pauses.json | tee docs/results/pauses.txt
