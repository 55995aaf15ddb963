#!/usr/bin/env bash
# The tests: set up the environment, lint, then run the whole test suite, one
# pytest-xdist worker per core (MMSTM_TEST_WORKERS=0: in one process), a
# test file's tests on one worker; the slowest tests and the cost of each
# mixer family and test file (tests/cost_report.py) are printed at the end.
# Extra arguments go to pytest: e.g. -m "not slow" for the quick tier,
# -k registry.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
bash scripts/lint.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
exec "$PY" -m pytest -q -n "${MMSTM_TEST_WORKERS:-$(nproc)}" --dist loadfile \
  --durations=15 --cost-report "$@"
