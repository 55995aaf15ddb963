# The paper's optimiser (AdamW, weight decay 0.05 without decay on norms,
# biases and layer scales; warm-up then cosine per iteration; clipping 5.0),
# shortened for the demo data on a CPU.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05, eps=1e-8,
                   betas=(0.9, 0.999)),
    paramwise_cfg=dict(norm_decay_mult=0.0, bias_decay_mult=0.0,
                       custom_keys={'gamma1': dict(decay_mult=0.0),
                                    'gamma2': dict(decay_mult=0.0)}),
    clip_grad=dict(max_norm=5.0))

param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-5, by_epoch=True, begin=2,
         convert_to_iter_based=True),
]

train_cfg = dict(by_epoch=True, max_epochs=40, val_interval=10)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=64)
