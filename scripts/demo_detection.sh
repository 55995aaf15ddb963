#!/usr/bin/env bash
# Mask R-CNN with the U-ConvNeXt micro backbone on the demo COCO-format
# shapes, on the CPU: the backbone starts from the classification demo of
# scripts/demo_mixers.sh (run first if its checkpoint is missing); trains
# with tools/train.py, evaluates bbox and segm mAP with tools/test.py and
# draws the predictions on a validation image with mmdet's DetInferencer.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=configs/detection/demo/mask-rcnn_convnext-micro_fpn_demo-shapes.py
WORK_DIR=${WORK_DIR:-work_dirs/demo_detection}
source scripts/downstream_demo.sh
downstream_demo detection "$CONFIG" "$WORK_DIR" "$@"
"$PY" - "$CONFIG" "$CHECKPOINT" "$WORK_DIR" <<'PY'
import sys
from mmdet.apis import DetInferencer
config, checkpoint, out_dir = sys.argv[1:]
inferencer = DetInferencer(model=config, weights=checkpoint, device='cpu')
inferencer('data/demo/coco/val/val_00000.jpg', out_dir=out_dir,
           pred_score_thr=0.5)
print(f'[demo] predictions drawn in {out_dir}/vis/val_00000.jpg')
PY
