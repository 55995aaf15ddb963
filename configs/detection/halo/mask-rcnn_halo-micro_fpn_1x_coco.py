# Mask R-CNN with the halo-micro unified backbone, the 1x schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='halo-micro', drop_path_rate=0.1,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_halonet_micro.pth')))
