#!/usr/bin/env bash
# Sets up and runs Vigil's main job on the embedded defaults: synthesises the bundled sample recordings
# (samples/*.json: a body-cam call-out, a counter visit, a phone call), analyses each one end to end
# (decode, Whisper ASR, diarization, roles, rules) and stores the documents under var/store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 PYANNOTE_METRICS_ENABLED=0
exec .venv/bin/vigil demo "$@"
