"""Small, deterministic, learnable datasets in the standard on-disk formats."""
from .shapes import SHAPE_NAMES
from .writers import write_classification, write_detection, write_segmentation

__all__ = ['SHAPE_NAMES', 'write_classification', 'write_detection',
           'write_segmentation']
