#!/usr/bin/env bash
# Train and evaluate every mixer (micro scale, the paper's recipe shortened)
# on the demo shapes with tools/train.py and tools/test.py on the CPU, and
# print one table of top-1 accuracy (raw and EMA weights of the last
# checkpoint) and training time.
# Usage: bash scripts/demo_mixers.sh [stm ...]   (default: every family of
# the arch table)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
STMS=("$@")
FAMILIES="from mmstm.models.backbones.archs import FAMILIES; print(*FAMILIES)"
[ ${#STMS[@]} -eq 0 ] && read -r -a STMS <<< "$("$PY" -c "$FAMILIES")"

"$PY" tools/dataset_converters/make_demo_data.py --tasks classification --out data/demo
SUMMARY=work_dirs/demo_mixers/summary.txt
mkdir -p work_dirs/demo_mixers
: > "$SUMMARY"  # this run's rows only
for stm in "${STMS[@]}"; do
  CONFIG=configs/classification/demo/${stm}-micro_1xb64_paper-recipe_demo-shapes.py
  WORK_DIR=work_dirs/demo_mixers/$stm
  echo "[demo] training $CONFIG"
  START=$(date +%s)
  "$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
  MINUTES=$(( ($(date +%s) - START + 30) / 60 ))
  for weights in raw ema; do
    "$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
      --weights $weights --work-dir "$WORK_DIR" | tail -n 1 \
      > "$WORK_DIR/test_metrics_$weights.txt"
  done
  echo "$stm $MINUTES $(cat "$WORK_DIR/test_metrics_raw.txt")" \
    "$(cat "$WORK_DIR/test_metrics_ema.txt")" >> "$SUMMARY"
done
"$PY" - "$SUMMARY" <<'PY'
import ast, sys
print('| mixer | top-1, raw weights | top-1, EMA weights | training time |')
print('|---|---:|---:|---:|')
for line in open(sys.argv[1]):
    stm, minutes, metrics = line.split(' ', 2)
    raw, ema = (ast.literal_eval(m)['accuracy/top1']
                for m in metrics.replace('} {', '}\n{').splitlines())
    print(f'| {stm} | {raw:.1f}% | {ema:.1f}% | {minutes} min |')
PY
