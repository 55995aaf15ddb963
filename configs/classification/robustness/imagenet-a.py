# ImageNet-A (Hendrycks et al. 2021): 7,500 natural adversarial images of 200
# ImageNet-1K classes; top-1/top-5 over those 200 classes' scores.
_base_ = './_base_/imagenet-variant.py'

test_evaluator = dict(restrict=True)
