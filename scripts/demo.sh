#!/usr/bin/env bash
# The main job: set up the environment, generate the demo classification set,
# train U-ConvNeXt micro on it with tools/train.py on the CPU, evaluate the
# final checkpoint with tools/test.py, and print the top-1 accuracy.
# Logs, the config dump and checkpoints go to work_dirs/demo_convnext-micro.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
CONFIG=configs/classification/demo/convnext-micro_1xb64_demo-shapes.py
WORK_DIR=${WORK_DIR:-work_dirs/demo_convnext-micro}

echo "[demo] generating the demo classification set in data/demo/imagenet"
"$PY" tools/dataset_converters/make_demo_data.py --tasks classification --out data/demo

echo "[demo] training $CONFIG (about 8 minutes on 2 CPU cores)"
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" "$@"

CHECKPOINT=$(cat "$WORK_DIR/last_checkpoint")
echo "[demo] evaluating $CHECKPOINT"
"$PY" tools/test.py "$CONFIG" "$CHECKPOINT" --work-dir "$WORK_DIR" \
  | tee "$WORK_DIR/test_output.txt"
"$PY" - "$WORK_DIR/test_output.txt" <<'PY'
import ast, sys
metrics = ast.literal_eval(open(sys.argv[1]).read().strip().splitlines()[-1])
top1 = metrics['accuracy/top1']
print(f'[demo] top-1 accuracy on the demo val split: {top1:.2f}% '
      f'(chance: {100 / 6:.2f}%)')
PY
