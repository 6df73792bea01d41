#!/usr/bin/env bash
# Measure a trained checkpoint and make it the bundled model:
#   scripts/release_model.sh runs/base/averaged.pt
# Exports fp32 and int8 to runs/release/, bundles the int8 file as assistant/models/bilstm_ctc.onnx
# with its confidence calibration (bilstm_ctc.confidence.json) and writes the measurements to
# docs/results/. The ONNX metadata carries docs/model_card.md as
# it stands at export: update the card first (or re-export after updating it).
# First it compares the checkpoint with the bundled model (models.compare, ~7 min) and stops
# unless the checkpoint is better on the real test sets beyond their noise; then it exports it
# and stops if it keeps fewer of the calibration set's real commands right and accepted at the
# default sensitivity (models.calibration.compare, ~3 min). FORCE=1 releases anyway (say why
# in the model card).
set -euo pipefail
cd "$(dirname "$0")/.."
checkpoint="${1:?usage: scripts/release_model.sh CHECKPOINT}"
py=.venv/bin/python
out=runs/release
mkdir -p docs/results "$out"
# the PocketSphinx comparison needs the bench extra; without it that benchmark only says "skipped"
$py -c 'import pocketsphinx' 2>/dev/null || $py -m pip install -q -e '.[bench]'
$py -m models.checkpoint from-onnx assistant/models/bilstm_ctc.onnx --out "$out/previous.pt"
status=0
$py -m models.compare "$out/previous.pt" "$checkpoint" --require-gain --tts-dir "${TTS_DIR:-data/kokoro}" \
  | tee "$out/compare_previous.txt" || status=${PIPESTATUS[0]}
if [ "$status" = 1 ] && [ "${FORCE:-0}" != 1 ]; then
  echo "not released: $checkpoint shows no gain over the bundled model (FORCE=1 to release)" >&2
  exit 1
elif [ "$status" != 0 ] && [ "$status" != 1 ]; then
  exit "$status"  # the comparison itself failed (models.compare said why)
fi
$py -m export --checkpoint "$checkpoint" --model-card docs/model_card.md \
  --out "$out/bilstm_ctc.fp32.onnx" --int8 --int8-check 300 2>/dev/null | tee "$out/export.txt"
candidate="$out/bilstm_ctc.fp32.int8.onnx"
# the confidence is calibrated per model, on the calibration set (built once, ~15 min): a lower
# CER is no release if the new model's confidence keeps fewer real commands
[ -f data/calibration/v5/VERSION ] || $py -m models.calibration.build
status=0
$py -m models.calibration.compare assistant/models/bilstm_ctc.onnx "$candidate" --require-no-loss \
  | tee "$out/compare_commands.txt" || status=${PIPESTATUS[0]}
if [ "$status" = 1 ] && [ "${FORCE:-0}" != 1 ]; then
  echo "not released: $checkpoint keeps fewer real commands right and accepted (FORCE=1 to release)" >&2
  exit 1
elif [ "$status" != 0 ] && [ "$status" != 1 ]; then
  exit "$status"
fi
cp "$out/compare_previous.txt" "$out/compare_commands.txt" "$out/export.txt" docs/results/
$py -m models.evaluate --checkpoint "$checkpoint" --markdown --json docs/results/evaluation.json \
  | tee docs/results/evaluation.md
cp "$candidate" assistant/models/bilstm_ctc.onnx
$py -m models.calibration.fit --model assistant/models/bilstm_ctc.onnx \
  --report docs/results/confidence_calibration.md | tail -n 3
models="$out/bilstm_ctc.fp32.onnx assistant/models/bilstm_ctc.onnx"
# the clean pico voice's commands benchmark needs pico2wave (apt libttspico-utils)
if command -v pico2wave >/dev/null; then
  $py benchmarks/commands_accuracy.py --plot docs/commands_tradeoff.png | tee docs/results/commands.txt
else
  echo "commands benchmark skipped: pico2wave is not installed (docs/results/commands.txt kept)" >&2
fi
$py benchmarks/latency.py --models $models --runs 10 --json docs/results/latency.json \
  | tee docs/results/latency.txt
$py benchmarks/vs_pocketsphinx.py --limit 40 | tee docs/results/vs_pocketsphinx.txt
$py benchmarks/soak.py --cycles 200 | tee docs/results/soak.txt
$py benchmarks/pauses.py --json docs/results/pauses.json | tee docs/results/pauses.txt
