# The paper's schedule for the convolution mixers (convnext, dcnv3): as for
# attention, but total batch 4096, lr 4e-3, warm-up from 0, cosine to 1e-6.
_base_ = './imagenet_300e_attention.py'

optim_wrapper = dict(optimizer=dict(lr=4e-3))

warmup_epochs = 20
param_scheduler = [
    # mmengine's LinearLR cannot start from exactly 0 (it scales the lr
    # multiplicatively); 1e-8 x 4e-3 is 0 for every practical purpose.
    dict(type='LinearLR', start_factor=1e-8, by_epoch=True, begin=0,
         end=warmup_epochs, convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', eta_min=1e-6, by_epoch=True,
         begin=warmup_epochs, convert_to_iter_based=True),
]
auto_scale_lr = dict(base_batch_size=4096)
