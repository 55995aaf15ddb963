# PVT step 0: the Swin-T network design around the PVT mixer: 4x4
# patch embedding, patch merging, one final norm + pooling + linear head, no
# layer scale. The mixer's own paper network does not fit the unified
# switches (HaloNet is ResNet-shaped, PVT v1 classifies a class token,
# InternImage already has the unified stem and downsampling), so the path
# starts from the transformer design every step of which applies.
_base_ = '../../pvt/pvt-tiny_8xb128_in1k.py'

model = dict(
    backbone=dict(stem='patch_embed', downsample='patch_merging',
                  stage_norm='outputs', layer_scale_init_value=0.),
    neck=dict(_delete_=True, type='GlobalAveragePooling'),
    head=dict(in_channels=512))
