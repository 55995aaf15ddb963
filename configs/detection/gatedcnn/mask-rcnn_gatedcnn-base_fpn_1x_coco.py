# Mask R-CNN with the gatedcnn-base unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of gatedcnn-base (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='gatedcnn-base', drop_path_rate=0.3,
        init_cfg=dict(checkpoint='work_dirs/gatedcnn-base_32xb128_in1k/epoch_300.pth')))
