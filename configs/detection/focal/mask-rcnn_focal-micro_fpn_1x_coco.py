# Mask R-CNN with the focal-micro unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of focal-micro (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='focal-micro', drop_path_rate=0.1,
        init_cfg=dict(checkpoint='work_dirs/focal-micro_8xb128_in1k/epoch_300.pth')))
