# Mask R-CNN with the pvt-small unified backbone, the 3x multi-scale schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_ms-3x_coco.py'

model = dict(
    backbone=dict(
        arch='pvt-small', drop_path_rate=0.2,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_pvt_small.pth')))
