# The paper's unified classifier: UnifiedBackbone -> 1x1 conv to 1.5C + BN +
# GELU + average pooling (ExpandPoolNeck) -> linear (mmpretrain's head).
# Leaves set backbone.arch; the neck and head take their input channels from
# it (mmstm.UnifiedImageClassifier builds mmpretrain's ImageClassifier).
custom_imports = dict(imports=['mmstm.models'], allow_failed_imports=False)

model = dict(
    type='mmstm.UnifiedImageClassifier',
    backbone=dict(
        type='mmstm.UnifiedBackbone',
        arch='convnext-tiny',
        drop_path_rate=0.1,
        layer_scale_init_value=1e-6,
        out_indices=(3, )),
    neck=dict(type='mmstm.ExpandPoolNeck', expand_ratio=1.5),
    head=dict(
        type='LinearClsHead',
        num_classes=1000,
        loss=dict(type='CrossEntropyLoss', loss_weight=1.0),
        topk=(1, 5)))
