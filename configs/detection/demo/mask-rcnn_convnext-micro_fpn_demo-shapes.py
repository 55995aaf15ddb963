# Mask R-CNN with the U-ConvNeXt micro backbone on the generated COCO-format
# shapes (tools/dataset_converters/make_demo_data.py --tasks detection):
# 128x128 images, six classes, on a CPU. The backbone starts from the
# convnext classification demo's checkpoint (scripts/demo_mixers.sh), as a
# COCO model starts from ImageNet weights; the paper's optimiser (lr scaled
# to the short run), 12 epochs, warm-up shortened.
_base_ = '../_base_/mask-rcnn_unified_fpn_1x_coco.py'

data_root = 'data/demo/coco/'
metainfo = dict(classes=('circle', 'square', 'triangle', 'star', 'cross',
                         'ring'))
img_scale = (160, 128)

model = dict(
    backbone=dict(
        arch='convnext-micro', drop_path_rate=0.1,
        init_cfg=dict(checkpoint='work_dirs/demo_mixers/convnext/epoch_30.pth')),
    roi_head=dict(bbox_head=dict(num_classes=6), mask_head=dict(num_classes=6)),
    # A few shapes per image: fewer proposals and sampled RoIs keep the RoI
    # heads (most of Mask R-CNN's CPU time) small; the model is unchanged.
    train_cfg=dict(rpn_proposal=dict(nms_pre=1000, max_per_img=300),
                   rcnn=dict(sampler=dict(num=64))))

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackDetInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations', with_bbox=True, with_mask=True),
    dict(type='PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape',
                                          'img_shape', 'scale_factor')),
]
train_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_train.json',
                 data_prefix=dict(img='train/'), pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=4, num_workers=2,
    dataset=dict(data_root=data_root, metainfo=metainfo,
                 ann_file='annotations/instances_val.json',
                 data_prefix=dict(img='val/'), pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + 'annotations/instances_val.json')
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=4e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=100),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True,
         milestones=[8, 11], gamma=0.1),
]
train_cfg = dict(max_epochs=12, val_interval=6)
default_hooks = dict(logger=dict(interval=10),
                     checkpoint=dict(interval=6, max_keep_ckpts=1))
auto_scale_lr = dict(base_batch_size=4)
# a fixed seed: two runs of the demo give the same weights
randomness = dict(seed=0, deterministic=False)
