from .base import BaseSTM, mixer_class
from .dcnv3 import DCNv3
from .depthwise_conv import DepthwiseConvMixer
from .halo import HaloAttention
from .shifted_window import ShiftedWindowAttention
from .spatial_reduction import SpatialReductionAttention

__all__ = ['BaseSTM', 'mixer_class', 'DCNv3', 'DepthwiseConvMixer',
           'HaloAttention', 'ShiftedWindowAttention',
           'SpatialReductionAttention']
