# The paper's optimiser (AdamW, weight decay 0.05; warm-up then cosine per
# iteration; clipping 5.0), shortened for the demo data on a CPU, with
# mmstm's broader no-decay rule (norms, biases, layer scales, position
# embeddings and tables; configs/_base_/no_decay_paramwise.py).
_base_ = ['../../../_base_/no_decay_paramwise.py']

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05, eps=1e-8,
                   betas=(0.9, 0.999)),
    paramwise_cfg={{_base_.no_decay_on_1d_and_positions_paramwise_cfg}},
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
