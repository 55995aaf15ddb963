# U-VMamba base on ImageNet-1K, the paper's attention recipe (total batch 1024).
_base_ = [
    '../_base_/imagenet_recipe.py',
    '../_base_/datasets/imagenet_bs128_paper.py',
    '../_base_/schedules/imagenet_300e_attention.py',
]

model = dict(
    backbone=dict(arch='ss2d-base', drop_path_rate=0.5))
# VMamba's rule: no weight decay on the state-space parameters.
optim_wrapper = dict(paramwise_cfg=dict(
    custom_keys={{_base_.ss2d_state_space_keys}}))
