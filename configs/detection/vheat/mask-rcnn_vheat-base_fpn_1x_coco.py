# Mask R-CNN with the vheat-base unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of vheat-base (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='vheat-base', drop_path_rate=0.3,
        init_cfg=dict(checkpoint='work_dirs/vheat-base_32xb128_in1k/epoch_300.pth')))
