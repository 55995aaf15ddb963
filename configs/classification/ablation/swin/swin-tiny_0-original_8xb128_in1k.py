# Swin step 0: the original Swin-T (28,288,354 parameters): 4x4 patch
# embedding, patch merging, one final norm + pooling + linear head, no layer
# scale (the paper's own code keeps layer scale on here: 28,297,186). The
# paper's recipe of the unified model is kept for every step.
_base_ = '../../swin/swin-tiny_8xb128_in1k.py'

model = dict(
    backbone=dict(stem='patch_embed', downsample='patch_merging',
                  stage_norm='outputs', layer_scale_init_value=0.),
    neck=dict(_delete_=True, type='GlobalAveragePooling'),
    head=dict(in_channels=768))
