#!/usr/bin/env bash
# The comparison report of every mixer family's demo models (trained by
# scripts/demo_mixers.sh, seed 0, run first if a checkpoint is missing) on 60 demo
# validation images at their 64-pixel view size: complexity, effective
# receptive fields, invariance and FGSM/PGD, written to
# work_dirs/compare_demo/report.md (about 10 minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
MODELS=()
FAMILIES="from mmstm.models.backbones.archs import FAMILY_NAMES; print(*FAMILY_NAMES)"
for stm in $("$PY" -c "$FAMILIES"); do
    checkpoint=work_dirs/demo_mixers/$stm/seed0/epoch_30.pth
    [ -f "$checkpoint" ] || SEEDS=0 bash scripts/demo_mixers.sh "$stm"
    MODELS+=("$stm=configs/classification/demo/$stm-micro_1xb64_paper-recipe_demo-shapes.py:$checkpoint")
done
"$PY" tools/dataset_converters/make_demo_data.py --tasks classification --out data/demo
"$PY" tools/analysis/compare.py "${MODELS[@]}" --images data/demo/imagenet/val \
    --ann-file data/demo/imagenet/meta/val.txt --max-images 60 --crop-size 64 \
    --out "${OUT:-work_dirs/compare_demo}" "$@"
