# Mask R-CNN with the nat-tiny unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of nat-tiny (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='nat-tiny', drop_path_rate=0.2,
        init_cfg=dict(checkpoint='work_dirs/nat-tiny_8xb128_in1k/epoch_300.pth')))
