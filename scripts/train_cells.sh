#!/usr/bin/env bash
# Train the four recurrent cell choices (LSTM or GRU, bi- or unidirectional) from scratch for
# the same wall-clock time each, one after another, on the real speech alone (a Kokoro corpus
# too when given), then print their dev error beside their size and latency:
#   scripts/train_cells.sh [SECONDS_EACH] [TTS_DIR]        (default 1440 s, no Kokoro corpus)
# Runs go to runs/cell-{lstm,gru}-{bi,uni}; nothing else may run meanwhile (equal CPU time).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1440}"
tts_dir="${2:-}"
real_share=1.0
[ -n "$tts_dir" ] && real_share=0.65
py=.venv/bin/python
trained=()
for cell in lstm gru; do
  for bidirectional in true false; do
    name="$cell-$([ "$bidirectional" = true ] && echo bi || echo uni)"
    $py -m models.train --out "runs/cell-$name" --init scratch --overwrite --tts-dir "$tts_dir" \
      --real-share "$real_share" --rnn-type "$cell" --bidirectional "$bidirectional" \
      --steps 100000 --time-limit "$seconds" --warmup-steps 200 --eval-every 100000 \
      --eval-limit 150 --average-last 1 --precision bf16 --seed 33 > "runs/cell-$name.out" 2>&1
    trained+=("$([ "$bidirectional" = true ] && echo bi || echo uni)-$cell=runs/cell-$name")
  done
done
$py benchmarks/cells.py --runs 10 --trained "${trained[@]}"
