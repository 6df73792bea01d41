#!/usr/bin/env bash
# Train the four recurrent cell choices (LSTM or GRU, bi- or unidirectional) for the same
# wall-clock time each, one after another, then print their dev error beside their size and
# latency (benchmarks/cells.py):
#   scripts/train_cells.sh [SECONDS_EACH] [FRONT_END]
# SECONDS_EACH defaults to 1440. FRONT_END, a checkpoint or ONNX model (the bundled one, say),
# gives every run its convolutions (--init-layers front-end); without it each starts from
# scratch. Real speech alone, or with TTS_DIR=data/kokoro a Kokoro corpus too (65 % real).
# Runs go to runs/cell-{lstm,gru}-{bi,uni}; nothing else may run meanwhile (equal CPU time).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1440}"
front_end="${2:-}"
tts_dir="${TTS_DIR:-}"
real_share=1.0
[ -n "$tts_dir" ] && real_share=0.65
init=(--init scratch)
[ -n "$front_end" ] && init=(--init "$front_end" --init-layers front-end)
py=.venv/bin/python
trained=()
for cell in lstm gru; do
  for bidirectional in true false; do
    direction=$([ "$bidirectional" = true ] && echo bi || echo uni)
    name="$cell-$direction"
    $py -m models.train --out "runs/cell-$name" "${init[@]}" --overwrite --tts-dir "$tts_dir" \
      --real-share "$real_share" --rnn-type "$cell" --bidirectional "$bidirectional" \
      --steps 100000 --time-limit "$seconds" --warmup-steps 200 --eval-every 100000 \
      --eval-limit 150 --average-last 1 --precision bf16 --seed 33 > "runs/cell-$name.out" 2>&1
    trained+=("$direction-$cell=runs/cell-$name")
  done
done
$py benchmarks/cells.py --runs 10 --trained "${trained[@]}"
