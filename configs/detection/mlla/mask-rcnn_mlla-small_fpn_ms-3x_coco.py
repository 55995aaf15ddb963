# Mask R-CNN with the mlla-small unified backbone, the 3x multi-scale schedule; the backbone
# starts from this repository's ImageNet-1K run of mlla-small (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_ms-3x_coco.py'

model = dict(
    backbone=dict(
        arch='mlla-small', drop_path_rate=0.2,
        init_cfg=dict(checkpoint='work_dirs/mlla-small_8xb128_in1k/epoch_300.pth')))
