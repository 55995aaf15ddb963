# UperNet with the mlla-tiny unified backbone on ADE20K, 160k iterations; the
# backbone starts from this repository's ImageNet-1K run of mlla-tiny.
_base_ = '../_base_/upernet_unified_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='mlla-tiny', drop_path_rate=0.2,
        init_cfg=dict(checkpoint='work_dirs/mlla-tiny_8xb128_in1k/epoch_300.pth')))
