from .imagenet_synsets import imagenet_synsets
from .imagenet_variants import ImageNetVariant
from .reproducible import ReproducibleInfiniteSampler, ReproducibleSampler

__all__ = ['ImageNetVariant', 'imagenet_synsets', 'ReproducibleSampler',
           'ReproducibleInfiniteSampler']
