from .imagenet_synsets import imagenet_synsets
from .imagenet_variants import ImageNetVariant
from .reproducible import ReproducibleInfiniteSampler, ReproducibleSampler
from .transforms import LoadImageOrSkip, skip_unreadable_images

__all__ = ['ImageNetVariant', 'LoadImageOrSkip', 'imagenet_synsets',
           'ReproducibleSampler', 'ReproducibleInfiniteSampler',
           'skip_unreadable_images']
