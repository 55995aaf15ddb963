# UperNet with the halo-micro unified backbone on ADE20K, 160k iterations.
_base_ = '../_base_/upernet_unified_8xb2-160k_ade20k-512x512.py'

model = dict(
    backbone=dict(
        arch='halo-micro', drop_path_rate=0.1,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_halonet_micro.pth')))
