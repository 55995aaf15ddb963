#!/usr/bin/env bash
# Train and evaluate every mixer (micro scale, the paper's recipe shortened)
# on the demo shapes with tools/train.py and tools/test.py on the CPU, and
# print one table of top-1 accuracy and training time.
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
import ast, glob, json, sys
print('| mixer | top-1, EMA weights (tools/test.py) | top-1, raw weights (last val) '
      '| training time |')
print('|---|---:|---:|---:|')
for line in open(sys.argv[1]):
    stm, minutes, metrics = line.split(' ', 2)
    ema = ast.literal_eval(metrics)['accuracy/top1']
    raw = float('nan')
    for log in sorted(glob.glob(f'work_dirs/demo_mixers/{stm}/*/vis_data/scalars.json')):
        for record in map(json.loads, open(log)):
            raw = record.get('accuracy/top1_origin', raw)
    print(f'| {stm} | {ema:.1f}% | {raw:.1f}% | {minutes} min |')
PY
