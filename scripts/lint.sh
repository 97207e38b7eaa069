#!/usr/bin/env bash
# Lint and format check (ruff) plus strict typing of the rules and API packages (mypy).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy --strict rules api
