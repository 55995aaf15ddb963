# Mask R-CNN with the mlla-tiny unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of mlla-tiny (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='mlla-tiny', drop_path_rate=0.2,
        init_cfg=dict(checkpoint='work_dirs/mlla-tiny_8xb128_in1k/epoch_300.pth')))
