#!/usr/bin/env bash
# Creates (or checks) the project's virtual environment .venv with the tested
# stack: requirements/torch-cpu.txt, mmcv 2.1.0 with its C++ ops, then
# requirements/pinned.txt and mmstm itself (editable).
#
# mmcv has no wheels on PyPI for this torch, so it is built from source once
# (about 30 minutes on 2 cores) into a wheel kept outside the repository, in
#   ${MMSTM_WHEEL_CACHE:-~/.cache/mmstm/wheels}/torch-<version>/
# keyed by the torch it was built against; later runs install that wheel.
# A second run with nothing changed only checks the imports.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${MMSTM_VENV:-$ROOT/.venv}
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
log() { echo "[setup_env] $*"; }

if ! "$PYTHON" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
  log "warning: $("$PYTHON" --version 2>&1) found; the stack is tested with Python 3.11"
fi
if [ ! -x "$VENV/bin/python" ]; then
  log "creating virtual environment $VENV"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"
PIP=("$PY" -m pip --disable-pip-version-check)

STAMP="$VENV/.mmstm-env"
WANT=$(cat requirements/torch-cpu.txt requirements/build.txt requirements/pinned.txt pyproject.toml | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  log "environment up to date ($VENV)"
else
  log "installing torch and torchvision (requirements/torch-cpu.txt)"
  "${PIP[@]}" install -q -r requirements/torch-cpu.txt
  log "installing build tools for mmcv (requirements/build.txt)"
  "${PIP[@]}" install -q -r requirements/build.txt -c requirements/torch-cpu.txt

  TORCH_VERSION=$("$PY" -c 'import torch; print(torch.__version__.split("+")[0])')
  WHEELS=${MMSTM_WHEEL_CACHE:-$HOME/.cache/mmstm/wheels}/torch-$TORCH_VERSION
  mkdir -p "$WHEELS"
  if ! ls "$WHEELS"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    log "building mmcv 2.1.0 with its C++ ops against torch $TORCH_VERSION into $WHEELS"
    log "this happens once per machine and takes about 30 minutes on 2 cores"
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} \
      "${PIP[@]}" wheel --no-build-isolation --no-deps --no-binary mmcv \
      --no-cache-dir -w "$WHEELS" mmcv==2.1.0
  fi
  log "installing mmcv from $WHEELS"
  "${PIP[@]}" install -q --no-index --find-links "$WHEELS" --no-deps mmcv==2.1.0
  log "installing the OpenMMLab stack (requirements/pinned.txt)"
  "${PIP[@]}" install -q -r requirements/pinned.txt -c requirements/torch-cpu.txt \
    --find-links "$WHEELS"
  log "installing mmstm (editable)"
  "${PIP[@]}" install -q --no-deps --no-build-isolation -e .
  echo "$WANT" > "$STAMP"
fi

log "checking that the stack imports together"
"$PY" - <<'PY'
import mmcv, mmengine, torch, torchvision
from mmcv.ops import nms, roi_align  # the C++ ops Mask R-CNN needs
import mmpretrain.models, mmdet.models, mmseg.models  # noqa: F401
import mmstm.models  # noqa: F401
print(f'[setup_env] ok: torch {torch.__version__}, torchvision '
      f'{torchvision.__version__}, mmcv {mmcv.__version__}, '
      f'mmengine {mmengine.__version__}')
PY

# The docs tests open the built manual in headless Chromium (Debian's
# package). Installed here where it is missing and this user may; otherwise
# those tests say they were skipped and why.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing chromium (Debian) for the docs' browser check"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
      || log "warning: could not install chromium; the browser check will be skipped"
  else
    log "chromium not found: the docs' browser check will be skipped (apt-get install chromium)"
  fi
fi
