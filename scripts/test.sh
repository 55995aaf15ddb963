#!/usr/bin/env bash
# The tests: set up the environment, lint, then run the whole test suite.
# Extra arguments go to pytest (e.g. -k registry).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
bash scripts/lint.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
exec "$PY" -m pytest -q --durations=15 "$@"
