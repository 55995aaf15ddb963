from .robustness import (ALEXNET_ERRORS, CorruptionError, SubsetAccuracy,
                         corruption_errors)

__all__ = ['ALEXNET_ERRORS', 'CorruptionError', 'SubsetAccuracy',
           'corruption_errors']
