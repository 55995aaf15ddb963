from .base import BaseSTM
from .depthwise_conv import DepthwiseConvMixer
from .shifted_window import ShiftedWindowAttention

__all__ = ['BaseSTM', 'DepthwiseConvMixer', 'ShiftedWindowAttention']
