# ImageNet-Sketch (Wang et al. 2019): 50,889 sketches of all 1000 classes;
# plain 1000-way top-1/top-5.
_base_ = './_base_/imagenet-variant.py'

test_evaluator = dict(restrict=False)
