# Mask R-CNN with the dcnv3-micro unified backbone, the 1x schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='dcnv3-micro', drop_path_rate=0.1,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_internimage_micro.pth')))
