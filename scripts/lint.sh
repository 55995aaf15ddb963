#!/usr/bin/env bash
# Lint: pyflakes + pycodestyle (ruff) and import order (isort), configured in
# pyproject.toml. A few seconds; scripts/test.sh runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${MMSTM_VENV:-$PWD/.venv}/bin
"$BIN/ruff" check --quiet .
"$BIN/isort" --check-only --quiet .
echo "[lint] ok"
