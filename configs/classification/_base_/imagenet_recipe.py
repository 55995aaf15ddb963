# The paper's regularisation for ImageNet-1K: Mixup 0.8 / CutMix 1.0 (one of
# the two per batch), label smoothing 0.1, EMA of the weights (decay 0.9999)
# with both the EMA and the raw weights evaluated; on the unified classifier.
_base_ = ['./models/unified-classifier.py', './default_runtime.py']

model = dict(
    head=dict(loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                        mode='original')),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8),
                             dict(type='CutMix', alpha=1.0)]))

custom_hooks = [
    dict(type='mmstm.RandomStateHook'),
    dict(type='EMAHook', momentum=1e-4, evaluate_on_ema=True,
         evaluate_on_origin=True, priority='ABOVE_NORMAL'),
]
