# U-FocalNet small on ImageNet-1K, the paper's attention recipe (total batch 1024).
_base_ = [
    '../_base_/imagenet_recipe.py',
    '../_base_/datasets/imagenet_bs128_paper.py',
    '../_base_/schedules/imagenet_300e_attention.py',
]

model = dict(
    backbone=dict(arch='focal-small', drop_path_rate=0.3))
