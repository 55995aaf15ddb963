# ConvNeXt step 0: the original ConvNeXt-T (28,589,128 parameters): 4x4 patch
# embedding, LayerNorm + 2x2 stride-2 conv downsampling, the single-residual
# block (bare 7x7 depth-wise conv, norm, MLP, layer scale), depths 3-3-9-3,
# pooling then norm before the linear classifier.
_base_ = '../../convnext/convnext-tiny_32xb128_in1k.py'

model = dict(
    backbone=dict(
        arch=dict(_delete_=True,
                  dims=[96, 192, 384, 768], depths=[3, 3, 9, 3],
                  stm=dict(type='DepthwiseConvMixer', kernel_size=7,
                           projections=False),
                  norm_eps=1e-6),
        stem='patch_embed', downsample='norm_conv', block='single_residual',
        stage_norm='none', layer_scale_init_value=1e-6),
    neck=dict(_delete_=True, type='mmstm.PoolNormNeck', in_channels=768),
    head=dict(in_channels=768))
