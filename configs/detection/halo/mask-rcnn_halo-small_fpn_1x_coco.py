# Mask R-CNN with the halo-small unified backbone, the 1x schedule.
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='halo-small', drop_path_rate=0.2,
        init_cfg=dict(
            checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_halonet_small.pth')))
