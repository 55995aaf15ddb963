from .imagenet_synsets import imagenet_synsets
from .imagenet_variants import ImageNetVariant

__all__ = ['ImageNetVariant', 'imagenet_synsets']
