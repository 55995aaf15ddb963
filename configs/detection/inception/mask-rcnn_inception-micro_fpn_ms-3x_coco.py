# Mask R-CNN with the inception-micro unified backbone, the 3x multi-scale schedule; the backbone
# starts from this repository's ImageNet-1K run of inception-micro (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_ms-3x_coco.py'

model = dict(
    backbone=dict(
        arch='inception-micro', drop_path_rate=0.1,
        init_cfg=dict(checkpoint='work_dirs/inception-micro_32xb128_in1k/epoch_300.pth')))
