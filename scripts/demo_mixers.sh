#!/usr/bin/env bash
# Train and evaluate every mixer (micro scale, the paper's recipe shortened)
# on the demo shapes with tools/train.py and tools/test.py on the CPU, and
# print one table of top-1 accuracy and training time.
# Usage: bash scripts/demo_mixers.sh [stm ...]   (default: all five)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
STMS=("$@")
[ ${#STMS[@]} -eq 0 ] && STMS=(halo pvt swin convnext dcnv3)

"$PY" tools/dataset_converters/make_demo_data.py --tasks classification --out data/demo
SUMMARY=work_dirs/demo_mixers/summary.txt
mkdir -p work_dirs/demo_mixers
for stm in "${STMS[@]}"; do
  CONFIG=configs/classification/demo/${stm}-micro_1xb64_paper-recipe_demo-shapes.py
  WORK_DIR=work_dirs/demo_mixers/$stm
  echo "[demo] training $CONFIG"
  START=$(date +%s)
  "$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
  MINUTES=$(( ($(date +%s) - START + 30) / 60 ))
  "$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
    --work-dir "$WORK_DIR" | tail -n 1 > "$WORK_DIR/test_metrics.txt"
  echo "$stm $MINUTES $(cat "$WORK_DIR/test_metrics.txt")" >> "$SUMMARY"
done
"$PY" - "$SUMMARY" <<'PY'
import ast, sys
print('| mixer | top-1 (EMA) | top-1 (raw weights) | training time |')
print('|---|---:|---:|---:|')
for line in open(sys.argv[1]):
    stm, minutes, metrics = line.split(' ', 2)
    metrics = ast.literal_eval(metrics)
    print(f"| {stm} | {metrics['accuracy/top1']:.1f}% | "
          f"{metrics.get('accuracy/top1_origin', float('nan')):.1f}% | "
          f"{minutes} min |")
PY
