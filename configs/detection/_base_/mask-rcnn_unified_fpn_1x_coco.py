# Mask R-CNN + FPN on COCO (mmdet's R50 bases) with the unified backbone and
# the paper's 1x schedule: AdamW lr 1e-4, betas (0.9, 0.999), weight decay
# 0.05 with the paper's no-decay rule (configs/_base_/no_decay_paramwise.py),
# 12 epochs with steps at 8 and 11, linear warm-up over 1000 iterations from
# 0.001; 2 images x 8 GPUs, single scale 1333x800, flip 0.5. The backbone is
# the paper's downstream backbone (`downstream=True`: no norm in the trunk, a
# fresh LayerNorm on each returned map; the ImageNet stage norms are dropped
# on load). Leaves set the arch, drop path and checkpoint; the FPN takes its
# input channels from the arch (mmstm.UnifiedMaskRCNN builds mmdet's MaskRCNN).
_base_ = [
    'mmdet::_base_/models/mask-rcnn_r50_fpn.py',
    'mmdet::_base_/datasets/coco_instance.py',
    'mmdet::_base_/schedules/schedule_1x.py',
    'mmdet::_base_/default_runtime.py',
    '../../_base_/no_decay_paramwise.py',
]
custom_imports = dict(imports=['mmstm.models'], allow_failed_imports=False)

model = dict(
    type='mmstm.UnifiedMaskRCNN',
    backbone=dict(
        _delete_=True,
        type='mmstm.UnifiedBackbone',
        arch='convnext-tiny',
        downstream=True,
        drop_path_rate=0.2,
        layer_scale_init_value=1e-6,
        out_indices=(0, 1, 2, 3),
        frozen_stages=-1,
        norm_eval=False,
        with_cp=False,
        init_cfg=dict(type='Pretrained',
                      checkpoint='https://github.com/OpenGVLab/STM-Evaluation/releases/download/cls-ckpt/unified_convnext_tiny.pth',
                      prefix='backbone.')),
    neck=dict(in_channels=None))

# exact --resume: random states in every checkpoint, augmentation seeded
# per sample (the order and aspect-ratio batching stay mmdet's)
custom_hooks = [dict(type='mmstm.RandomStateHook'),
                # the annotations mmdet drops while loading, in the log
                dict(type='mmstm.DroppedAnnotationsHook')]

# checkpoints written whole with a digest of their contents, checked when a
# run loads one (load_from, --resume)
default_hooks = dict(checkpoint=dict(type='mmstm.SafeCheckpointHook'),
                     verify_checkpoint=dict(type='mmstm.VerifyCheckpointHook'))
train_dataloader = dict(
    sampler=dict(type='mmstm.ReproducibleSampler', shuffle=True))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-4, betas=(0.9, 0.999),
                   weight_decay=0.05),
    paramwise_cfg={{_base_.paper_downstream_paramwise_cfg}})

param_scheduler = [
    dict(type='LinearLR', start_factor=0.001, by_epoch=False, begin=0,
         end=1000),
    dict(type='MultiStepLR', begin=0, end=12, by_epoch=True,
         milestones=[8, 11], gamma=0.1),
]
