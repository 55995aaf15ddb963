# Halo step 4: + layer scale (1e-6) in both residuals: the unified
# model, the same network as the released U-Halo-T config.
_base_ = './halo-tiny_3-unified-head_8xb128_in1k.py'

model = dict(backbone=dict(layer_scale_init_value=1e-6))
