# Swin step 1: + the unified stem (two 3x3 stride-2 convs with norms).
_base_ = './swin-tiny_0-original_8xb128_in1k.py'

model = dict(backbone=dict(stem='unified'))
