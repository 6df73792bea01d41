#!/usr/bin/env bash
# Measure a trained checkpoint and make it the bundled model:
#   scripts/release_model.sh runs/base/averaged.pt
# Writes docs/results/*.txt (evaluation table, export check, speed, commands benchmark) and
# assistant/models/bilstm_ctc{,.int8}.onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
checkpoint="${1:?usage: scripts/release_model.sh CHECKPOINT}"
py=.venv/bin/python
mkdir -p docs/results
$py -m models.evaluate --checkpoint "$checkpoint" --markdown --json docs/results/evaluation.json \
  | tee docs/results/evaluation.md
$py -m export --checkpoint "$checkpoint" --model-card docs/model_card.md \
  --out assistant/models/bilstm_ctc.onnx --int8 2>/dev/null | tee docs/results/export.txt
$py benchmarks/recognizer_speed.py --threads 1 | tee docs/results/speed.txt
$py benchmarks/commands_accuracy.py --plot docs/commands_tradeoff.png | tee docs/results/commands.txt
