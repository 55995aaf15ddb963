#!/usr/bin/env bash
# The tests: set up the environment, lint, then run the whole test suite, one
# pytest-xdist worker per core (MMSTM_TEST_WORKERS=0: in one process), a
# test file's tests on one worker. Extra arguments go to pytest: e.g.
# -m "not slow" for the quick tier, -k registry.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
bash scripts/lint.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
exec "$PY" -m pytest -q -n "${MMSTM_TEST_WORKERS:-$(nproc)}" --dist loadfile \
  --durations=15 "$@"
