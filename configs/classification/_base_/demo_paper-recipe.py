# The paper's ImageNet recipe (augmentation, Mixup/CutMix, label smoothing,
# EMA, AdamW with its weight-decay rules, warm-up + cosine, clipping) on the
# demo shapes, shortened to 30 epochs of 19 iterations for a CPU. The EMA
# decay is scaled to the short run (0.99 instead of 0.9999 over ~375k
# iterations), or the EMA weights would still be the initial ones.
_base_ = [
    './imagenet_recipe.py',
    './datasets/demo-shapes_bs64_paper-aug.py',
    './schedules/demo_adamw_40e.py',
]

model = dict(head=dict(num_classes=6, topk=(1, )))
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
    '.pos_embed': dict(decay_mult=0.0),
    '.relative_position_bias_table': dict(decay_mult=0.0),
    '.height_rel': dict(decay_mult=0.0),
    '.width_rel': dict(decay_mult=0.0),
}))
train_cfg = dict(max_epochs=30, val_interval=10)
val_evaluator = dict(topk=(1, ))
test_evaluator = val_evaluator

custom_hooks = [
    dict(type='mmstm.RandomStateHook'),
    dict(type='EMAHook', momentum=1e-2, evaluate_on_ema=True,
         evaluate_on_origin=True, priority='ABOVE_NORMAL'),
]
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=10, max_keep_ckpts=1))
randomness = dict(seed=0, deterministic=False)
