#!/usr/bin/env bash
# Train and evaluate every mixer (micro scale, the paper's recipe shortened)
# on the demo shapes with tools/train.py and tools/test.py on the CPU, once
# per seed, and print one table: top-1 of the last checkpoint's raw and EMA
# weights (mean ± std over the seeds), training time, and each micro model's
# parameters, FLOPs and CPU images/s.
# Usage: [SEEDS="0 1 2"] bash scripts/demo_mixers.sh [stm ...]
# (default: every family of the arch table). A run whose result is already
# in work_dirs/demo_mixers/<stm>/seed<S>/result.txt is not run again, so an
# interrupted arena resumes where it stopped; delete that file to re-run.
# Several copies may run at once (e.g. one per core, OMP_NUM_THREADS=1):
# each claims a run with flock before starting it, so they share the runs
# out; a claim ends with its process.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh
PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
read -r -a SEEDS <<< "${SEEDS:-0 1 2}"
STMS=("$@")
FAMILIES="from mmstm.models.backbones.archs import FAMILY_NAMES; print(*FAMILY_NAMES)"
[ ${#STMS[@]} -eq 0 ] && read -r -a STMS <<< "$("$PY" -c "$FAMILIES")"

"$PY" tools/dataset_converters/make_demo_data.py --tasks classification --out data/demo
for stm in "${STMS[@]}"; do
  CONFIG=configs/classification/demo/${stm}-micro_1xb64_paper-recipe_demo-shapes.py
  for seed in "${SEEDS[@]}"; do
    WORK_DIR=work_dirs/demo_mixers/$stm/seed$seed
    [ -s "$WORK_DIR/result.txt" ] && continue
    mkdir -p "$WORK_DIR"
    exec {CLAIM}> "$WORK_DIR/claim.lock"
    if ! flock -n "$CLAIM" || [ -s "$WORK_DIR/result.txt" ]; then
      exec {CLAIM}>&-  # another copy runs it, or just finished it
      continue
    fi
    echo "[demo] training $CONFIG, seed $seed"
    START=$(date +%s)
    "$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR" \
      --cfg-options randomness.seed="$seed"
    MINUTES=$(( ($(date +%s) - START + 30) / 60 ))
    for weights in raw ema; do
      "$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" \
        --weights $weights --work-dir "$WORK_DIR" | tail -n 1 \
        > "$WORK_DIR/test_metrics_$weights.txt"
    done
    # written last: a run killed before this line leaves no result
    echo "$MINUTES $(cat "$WORK_DIR/test_metrics_raw.txt")" \
      "$(cat "$WORK_DIR/test_metrics_ema.txt")" > "$WORK_DIR/result.txt"
    exec {CLAIM}>&-
  done
done
"$PY" tools/analysis/demo_arena_table.py --root work_dirs/demo_mixers --threads 2
