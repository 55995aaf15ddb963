#!/usr/bin/env bash
# Build the manual (docs/, Sphinx + MyST) into docs/_build/html, warnings
# as errors (broken internal links included). The doc tools come with the
# project's setup (requirements/pinned.txt, or `pip install ".[docs]"`).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
"$PY" tools/misc/generated_docs.py --check
"$PY" -m sphinx -W --keep-going -q -b html docs docs/_build/html "$@"
echo "[docs] built docs/_build/html/index.html"
