# Mask R-CNN with the focal-base unified backbone, the 3x multi-scale schedule; the backbone
# starts from this repository's ImageNet-1K run of focal-base (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_ms-3x_coco.py'

model = dict(
    backbone=dict(
        arch='focal-base', drop_path_rate=0.3,
        init_cfg=dict(checkpoint='work_dirs/focal-base_8xb128_in1k/epoch_300.pth')))
