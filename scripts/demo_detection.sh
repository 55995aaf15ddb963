#!/usr/bin/env bash
# Mask R-CNN with the U-ConvNeXt micro backbone on the demo COCO-format
# shapes, on the CPU: the backbone starts from the classification demo of
# scripts/demo_mixers.sh (run first if its checkpoint is missing); trains
# with tools/train.py, evaluates bbox and segm mAP with tools/test.py and
# draws the predictions on a validation image with mmdet's DetInferencer.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
CONFIG=configs/detection/demo/mask-rcnn_convnext-micro_fpn_demo-shapes.py
WORK_DIR=${WORK_DIR:-work_dirs/demo_detection}
[ -f work_dirs/demo_mixers/convnext/epoch_30.pth ] || bash scripts/demo_mixers.sh convnext

"$PY" tools/dataset_converters/make_demo_data.py --tasks detection --out data/demo
START=$(date +%s)
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"
echo "[demo] training took $(( ($(date +%s) - START + 30) / 60 )) min"
CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")
"$PY" tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR" | tail -n 1
"$PY" - "$CONFIG" "$CHECKPOINT" "$WORK_DIR" <<'PY'
import sys
from mmdet.apis import DetInferencer
config, checkpoint, out_dir = sys.argv[1:]
inferencer = DetInferencer(model=config, weights=checkpoint, device='cpu')
inferencer('data/demo/coco/val/val_00000.jpg', out_dir=out_dir,
           pred_score_thr=0.5)
print(f'[demo] predictions drawn in {out_dir}/vis/val_00000.jpg')
PY
