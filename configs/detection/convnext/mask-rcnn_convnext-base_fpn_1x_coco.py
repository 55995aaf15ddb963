# Mask R-CNN with the convnext-base unified backbone, the 1x schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='convnext-base', drop_path_rate=0.3,
        init_cfg=dict(checkpoint='checkpoints/convnext-base_in1k.pth')),
    neck=dict(in_channels=[128, 256, 512, 1024]))
