# Sourced by demo_detection.sh and demo_segmentation.sh:
#   downstream_demo TASK CONFIG WORK_DIR [train.py args...]
# installs the environment, makes sure the classification demo's U-ConvNeXt
# checkpoint (the downstream backbone's "ImageNet" weights) exists, writes
# the task's demo data, trains with tools/train.py and tests the last
# checkpoint with tools/test.py. Sets PY and CHECKPOINT for the caller.
downstream_demo() {
    local task=$1 config=$2 work_dir=$3
    shift 3
    bash scripts/setup_env.sh
    PY=${MMSTM_VENV:-$PWD/.venv}/bin/python
    [ -f work_dirs/demo_mixers/convnext/epoch_30.pth ] || bash scripts/demo_mixers.sh convnext
    "$PY" tools/dataset_converters/make_demo_data.py --tasks "$task" --out data/demo
    local start
    start=$(date +%s)
    "$PY" tools/train.py "$config" --work-dir "$work_dir" "$@"
    echo "[demo] training took $(( ($(date +%s) - start + 30) / 60 )) min"
    CHECKPOINT=$(cat "$work_dir/last_checkpoint")
    "$PY" tools/test.py "$config" "$CHECKPOINT" --work-dir "$work_dir" | tail -n 1
}
