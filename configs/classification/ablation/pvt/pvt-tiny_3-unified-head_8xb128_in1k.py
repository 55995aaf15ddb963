# PVT step 3: + a norm after every stage and the unified head (1x1 conv
# to 1.5C, BN, GELU, pooling, linear).
_base_ = './pvt-tiny_2-conv-downsample_8xb128_in1k.py'

model = dict(
    backbone=dict(stage_norm='every_stage'),
    neck=dict(_delete_=True, type='mmstm.ExpandPoolNeck', in_channels=512,
              expand_ratio=1.5),
    head=dict(in_channels=768))
