# UperNet on ADE20K (mmseg's UperNet R50, ADE20K, 160k schedule and runtime
# bases) with the paper's downstream backbone (`downstream=True`, as for
# COCO: the paper's code has no segmentation of its own, and its detection
# backbone is its only downstream one): outputs of all four stages, UPerHead
# on them and the auxiliary FCNHead on stage 3, 150 classes. The standard
# schedule of Swin/ConvNeXt/InternImage: 160k iterations, crop 512x512,
# 2 images x 8 GPUs, AdamW lr 6e-5, weight decay 0.01 with the paper's
# downstream no-decay rule, linear warm-up 1500 iterations, then poly decay
# (power 1.0). mmseg's multi-scale + flip test (ratios 0.5-1.75) is
# inherited: tools/test.py --tta. Leaves set the arch, drop path and
# ImageNet checkpoint; the heads take their input channels from the arch
# (mmstm.UnifiedEncoderDecoder builds mmseg's EncoderDecoder).
_base_ = [
    'mmseg::_base_/models/upernet_r50.py',
    'mmseg::_base_/datasets/ade20k.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../../_base_/no_decay_paramwise.py',
]
custom_imports = dict(imports=['mmstm.models'], allow_failed_imports=False)

crop_size = (512, 512)
data_preprocessor = dict(size=crop_size)
model = dict(
    type='mmstm.UnifiedEncoderDecoder',
    data_preprocessor=data_preprocessor,
    pretrained=None,
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
    decode_head=dict(in_channels=None, num_classes=150),
    auxiliary_head=dict(in_channels=None, num_classes=150))

# exact --resume: random states in every checkpoint, augmentation seeded
# per sample (mmengine replays the stream up to the resumed iteration)
custom_hooks = [dict(type='mmstm.RandomStateHook')]

# checkpoints written whole with a digest of their contents, checked when a
# run loads one (load_from, --resume)
default_hooks = dict(checkpoint=dict(type='mmstm.SafeCheckpointHook'),
                     verify_checkpoint=dict(type='mmstm.VerifyCheckpointHook'))
train_dataloader = dict(
    batch_size=2,
    sampler=dict(type='mmstm.ReproducibleInfiniteSampler', shuffle=True))

optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='AdamW', lr=6e-5, betas=(0.9, 0.999),
                   weight_decay=0.01),
    paramwise_cfg={{_base_.paper_downstream_paramwise_cfg}})

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-6, by_epoch=False, begin=0,
         end=1500),
    dict(type='PolyLR', eta_min=0.0, power=1.0, by_epoch=False, begin=1500,
         end=160000),
]
