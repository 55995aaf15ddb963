# U-ConvNeXt tiny on ImageNet-1K, the paper's recipe (total batch 4096).
_base_ = [
    '../_base_/imagenet_recipe.py',
    '../_base_/datasets/imagenet_bs128_paper.py',
    '../_base_/schedules/imagenet_300e_convolution.py',
]

model = dict(
    backbone=dict(arch='convnext-tiny', drop_path_rate=0.1))
# The official block stores its layer scales as 4-D tensors, so the paper's
# ImageNet rule decays them (configs/_base_/no_decay_paramwise.py).
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={{_base_.convnext_halo_layer_scale_keys}}))
