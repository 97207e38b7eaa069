#!/usr/bin/env bash
# Sets up (scripts/setup.sh) and runs the whole test suite: real models, real S3 (SeaweedFS) and
# PostgreSQL servers started by the tests, real audio synthesised by the tests. Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 PYANNOTE_METRICS_ENABLED=0 TOKENIZERS_PARALLELISM=false
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
