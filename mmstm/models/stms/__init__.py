from .base import BaseSTM
from .depthwise_conv import DepthwiseConvMixer

__all__ = ['BaseSTM', 'DepthwiseConvMixer']
