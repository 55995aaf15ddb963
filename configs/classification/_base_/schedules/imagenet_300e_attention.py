# The paper's schedule for the attention mixers (halo, pvt, swin): total
# batch 1024, AdamW lr 1e-3 (eps 1e-8, weight decay 0.05; none on norms,
# biases, layer scales, position embeddings and relative-position tables),
# 20 warm-up epochs from 1e-6, cosine to 1e-5, both per iteration, gradient
# clipping 5.0, AMP (replaced by float32 by tools/train.py without CUDA).
_base_ = [
    'mmpretrain::_base_/schedules/imagenet_bs1024_adamw_swin.py',
    '../../../_base_/no_decay_paramwise.py',
]

optim_wrapper = dict(
    type='AmpOptimWrapper',
    loss_scale='dynamic',
    optimizer=dict(lr=1e-3),
    paramwise_cfg={{_base_.paper_imagenet_paramwise_cfg}},
    clip_grad=dict(max_norm=5.0))

warmup_epochs = 20
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True,
         begin=warmup_epochs, convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=1024)
