# Evaluation of an ImageNet-1K classifier on an ImageNet variant in its
# published folder layout (<data_root>/<synset>/<image>): labels are
# ImageNet-1K indices, the view is the standard one (bicubic resize 256,
# centre crop 224). Merged into a model config by
# tools/analysis/robustness.py, which also sets data_root.
custom_imports = dict(
    imports=['mmstm.models', 'mmstm.datasets', 'mmstm.evaluation'],
    allow_failed_imports=False)

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short', backend='pillow',
         interpolation='bicubic'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs'),
]
test_dataloader = dict(
    batch_size=64,
    num_workers=8,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='mmstm.ImageNetVariant', data_root=None,
                 pipeline=test_pipeline))
test_evaluator = dict(type='mmstm.SubsetAccuracy', topk=(1, 5), restrict=True)
