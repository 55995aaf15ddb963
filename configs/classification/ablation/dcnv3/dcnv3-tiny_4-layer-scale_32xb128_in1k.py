# DCNv3 step 4: + layer scale (1e-6) in both residuals: the unified
# model, the same network as the released U-DCNv3-T config.
_base_ = './dcnv3-tiny_3-unified-head_32xb128_in1k.py'

model = dict(backbone=dict(layer_scale_init_value=1e-6))
