# Mask R-CNN with the pvt-micro unified backbone, the 3x multi-scale schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_ms-3x_coco.py'

model = dict(
    backbone=dict(
        arch='pvt-micro', drop_path_rate=0.1,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_pvt_micro.pth')))
