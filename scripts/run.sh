#!/usr/bin/env bash
# Set up (if needed) and run the assistant with the bundled model, e.g.
#   scripts/run.sh transcribe command.wav
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh runtime
exec .venv/bin/python -m assistant "$@"
