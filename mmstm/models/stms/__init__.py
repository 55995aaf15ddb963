from .base import BaseSTM
from .dcnv3 import DCNv3
from .depthwise_conv import DepthwiseConvMixer
from .halo import HaloAttention
from .shifted_window import ShiftedWindowAttention
from .spatial_reduction import SpatialReductionAttention

__all__ = ['BaseSTM', 'DCNv3', 'DepthwiseConvMixer', 'HaloAttention',
           'ShiftedWindowAttention', 'SpatialReductionAttention']
