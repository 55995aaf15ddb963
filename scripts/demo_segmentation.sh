#!/usr/bin/env bash
# UperNet with the U-ConvNeXt micro backbone on the demo ADE20K-format
# shapes, on the CPU: the backbone starts from the classification demo of
# scripts/demo_mixers.sh (run first if its checkpoint is missing); trains
# with tools/train.py, evaluates mIoU with tools/test.py (sliding window),
# prints what predicting the background everywhere scores, and saves a
# coloured prediction with mmseg's MMSegInferencer.
set -euo pipefail
cd "$(dirname "$0")/.."
CONFIG=configs/segmentation/demo/upernet_convnext-micro_demo-shapes.py
WORK_DIR=${WORK_DIR:-work_dirs/demo_segmentation}
source scripts/downstream_demo.sh
downstream_demo segmentation "$CONFIG" "$WORK_DIR" "$@"
"$PY" - "$CONFIG" "$CHECKPOINT" "$WORK_DIR" <<'PY'
import sys
from mmseg.apis import MMSegInferencer
from mmstm.demo_data.baselines import constant_prediction_scores
config, checkpoint, out_dir = sys.argv[1:]
floor = constant_prediction_scores('data/demo/ade20k/annotations/validation',
                                   label=0, num_classes=7)
print('[demo] predicting the background everywhere: '
      + '  '.join(f'{k} {v:.2f}' for k, v in floor.items()))
inferencer = MMSegInferencer(model=config, weights=checkpoint, device='cpu')
inferencer('data/demo/ade20k/images/validation/ADE_val_00000000.jpg',
           out_dir=out_dir)
print(f'[demo] coloured prediction in {out_dir}/vis/ADE_val_00000000.jpg')
PY
