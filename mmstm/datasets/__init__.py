from .imagenet_synsets import imagenet_synsets
from .imagenet_variants import ImageNetVariant
from .reproducible import ReproducibleInfiniteSampler, ReproducibleSampler
from .transforms import (LoadImageOrSkip, NameFilesOnError, SampleReadError,
                         name_files_in_read_errors, skip_unreadable_images)

__all__ = ['ImageNetVariant', 'LoadImageOrSkip', 'NameFilesOnError',
           'SampleReadError', 'imagenet_synsets', 'name_files_in_read_errors',
           'ReproducibleSampler', 'ReproducibleInfiniteSampler',
           'skip_unreadable_images']
