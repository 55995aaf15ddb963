# ConvNeXt step 2: + 3x3 stride-2 conv + norm downsampling.
_base_ = './convnext-tiny_1-unified-stem_32xb128_in1k.py'

model = dict(backbone=dict(downsample='conv'))
