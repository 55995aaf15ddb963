# ConvNeXt step 4: + the unified two-residual block (norm, 1x1 projections
# around the depth-wise conv, residual; norm, MLP, residual) at the unified
# depths 2-2-9-2: the released U-ConvNeXt-T network.
_base_ = './convnext-tiny_3-unified-head_32xb128_in1k.py'

model = dict(backbone=dict(arch='convnext-tiny', block='two_residual'))
