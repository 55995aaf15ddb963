# UperNet with the U-ConvNeXt micro backbone on the generated ADE20K-format
# shapes (tools/dataset_converters/make_demo_data.py --tasks segmentation):
# 128x128 images, the background texture and six shapes, on a CPU. The
# backbone starts from the convnext classification demo's checkpoint
# (scripts/demo_mixers.sh), as an ADE20K model starts from ImageNet weights.
# The paper's optimiser and poly schedule (lr scaled to the short run), 96x96
# crops, sliding-window test (96x96 windows, stride 64) as for large images.
_base_ = '../_base_/upernet_unified_8xb2-160k_ade20k-512x512.py'

data_root = 'data/demo/ade20k/'
# label 0 of the maps is "unlabelled" (ignored through reduce_zero_label);
# 1 is the background texture, 2-7 the shapes
metainfo = dict(
    classes=('background', 'circle', 'square', 'triangle', 'star', 'cross',
             'ring'),
    palette=[[120, 120, 120], [230, 25, 75], [60, 180, 75], [255, 225, 25],
             [0, 130, 200], [245, 130, 48], [145, 30, 180]])
crop_size = (96, 96)
img_scale = (128, 128)
# one process: plain BN instead of the multi-GPU base's SyncBN
norm_cfg = dict(type='BN', requires_grad=True)

data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    backbone=dict(
        arch='convnext-micro', drop_path_rate=0.1,
        init_cfg=dict(checkpoint='work_dirs/demo_mixers/convnext/epoch_30.pth')),
    # the heads' widths scaled to the micro backbone (512/256 are for tiny+)
    decode_head=dict(channels=128, num_classes=7, norm_cfg=norm_cfg),
    auxiliary_head=dict(channels=64, num_classes=7,
                        norm_cfg=norm_cfg),
    test_cfg=dict(mode='slide', crop_size=crop_size, stride=(64, 64)))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='RandomResize', scale=img_scale, ratio_range=(0.75, 1.5),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='PackSegInputs'),
]
# ADE20KDataset only renames subsets of its 150 classes: the same layout,
# suffixes and reduce_zero_label through mmseg's base dataset
dataset = dict(type='BaseSegDataset', data_root=data_root, metainfo=metainfo,
               img_suffix='.jpg', seg_map_suffix='.png',
               reduce_zero_label=True)
train_dataloader = dict(
    batch_size=8, num_workers=2,
    dataset=dict(**dataset, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1, num_workers=2,
    dataset=dict(**dataset, pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(iou_metrics=['mIoU'])

max_iters = 1500
optim_wrapper = dict(optimizer=dict(lr=6e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=100),
    dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=100,
         end=max_iters),
]
train_cfg = dict(max_iters=max_iters, val_interval=500)
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=500, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=8)
# a fixed seed: two runs of the demo give the same weights
randomness = dict(seed=0, deterministic=False)
