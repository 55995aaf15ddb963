# Mask R-CNN with the gatedcnn-micro unified backbone, the 1x schedule; the backbone
# starts from this repository's ImageNet-1K run of gatedcnn-micro (no release).
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

model = dict(
    backbone=dict(
        arch='gatedcnn-micro', drop_path_rate=0.1,
        init_cfg=dict(checkpoint='work_dirs/gatedcnn-micro_32xb128_in1k/epoch_300.pth')))
