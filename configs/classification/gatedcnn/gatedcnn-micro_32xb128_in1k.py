# U-GatedCNN micro on ImageNet-1K, the paper's convolution recipe (total batch 4096).
_base_ = [
    '../_base_/imagenet_recipe.py',
    '../_base_/datasets/imagenet_bs128_paper.py',
    '../_base_/schedules/imagenet_300e_convolution.py',
]

model = dict(
    backbone=dict(arch='gatedcnn-micro', drop_path_rate=0))
