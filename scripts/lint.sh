#!/usr/bin/env bash
# Lint and format check (ruff) plus strict typing of the whole product (mypy --strict).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict pipeline detectors rules api evaluation
