# ImageNet-C (Hendrycks & Dietterich 2019): the validation set under 15
# corruptions (+4 extra) at 5 severities, 224x224 images in
# <data_root>/<corruption>/<severity>/<synset>/<image>. Top-1 error per
# corruption and severity, CE normalised by AlexNet's errors, and the mCE
# over the 15 standard corruptions. The images are used as published
# (already 224x224), with the model's normalisation only.
_base_ = './_base_/imagenet-variant.py'

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs',
         meta_keys=('sample_idx', 'img_path', 'ori_shape', 'img_shape',
                    'corruption', 'severity')),
]
test_dataloader = dict(
    dataset=dict(corruptions=True, pipeline=test_pipeline))
test_evaluator = dict(_delete_=True, type='mmstm.CorruptionError')
