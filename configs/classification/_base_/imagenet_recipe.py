# The paper's regularisation for ImageNet-1K: Mixup 0.8 / CutMix 1.0 (one of
# the two per batch), label smoothing 0.1, EMA of the weights (decay 0.9999)
# with both the EMA and the raw weights evaluated; on the unified classifier.
# As the paper's training: checkpoints hold the raw weights in state_dict and
# the EMA beside them (mmstm.EMAHook), the best epoch of each is kept next to
# the last, and the head's BatchNorm is synchronised across processes.
_base_ = ['./models/unified-classifier.py', './default_runtime.py']

model = dict(
    head=dict(loss=dict(type='LabelSmoothLoss', label_smooth_val=0.1,
                        mode='original')),
    train_cfg=dict(augments=[dict(type='Mixup', alpha=0.8),
                             dict(type='CutMix', alpha=1.0)]))

custom_hooks = [
    dict(type='mmstm.RandomStateHook'),
    # update_buffers: the EMA averages the BatchNorm statistics too, as the
    # paper's timm ModelEma averages every entry of the state dict
    dict(type='mmstm.EMAHook', momentum=1e-4, update_buffers=True,
         evaluate_on_ema=True, evaluate_on_origin=True,
         priority='ABOVE_NORMAL'),
]
# best_accuracy_top1_origin_epoch_N.pth: the best raw weights (the paper's
# checkpoint-best.pth); best_accuracy_top1_epoch_N.pth: the best EMA
# (checkpoint-best-ema.pth). Each file holds both weights of its epoch.
default_hooks = dict(checkpoint=dict(
    save_best=['accuracy/top1', 'accuracy/top1_origin'], rule='greater'))
# distributed runs only (on CPU, where torch has no SyncBatchNorm, mmstm's
# gloo wrapper reverts it and logs so)
sync_bn = 'torch'
