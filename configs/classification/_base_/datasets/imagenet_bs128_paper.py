# ImageNet-1K as the paper trains it: bicubic RandomResizedCrop 224, flip,
# RandAugment (m9, mstd 0.5, increasing), random erasing 0.25; test: bicubic
# resize 256, centre crop 224. mmpretrain's Swin pipeline is exactly this.
# The paper's colour jitter 0.4 is not added: its timm pipeline ignores
# colour jitter whenever RandAugment is on, so the models never saw it.
_base_ = 'mmpretrain::_base_/datasets/imagenet_bs64_swin_224.py'

# augmentation seeded per sample: --resume is bit-exact with workers; the
# last incomplete batch dropped, as the paper's loader does (drop_last=False
# keeps it: every image seen each epoch, one smaller batch)
train_dataloader = dict(
    batch_size=128, persistent_workers=True, drop_last=True,
    sampler=dict(type='mmstm.ReproducibleSampler', shuffle=True))
val_dataloader = dict(batch_size=128, persistent_workers=True)
test_dataloader = val_dataloader
