# UperNet with the gatedcnn-base unified backbone on ADE20K, 160k iterations; the
# backbone starts from this repository's ImageNet-1K run of gatedcnn-base.
_base_ = '../_base_/upernet_unified_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='gatedcnn-base', drop_path_rate=0.3,
        init_cfg=dict(checkpoint='work_dirs/gatedcnn-base_32xb128_in1k/epoch_300.pth')))
