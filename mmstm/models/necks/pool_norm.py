"""Neck of the original ConvNeXt classifier: pooling, then LayerNorm."""
from mmengine.model import BaseModule
from torch import nn

from mmstm.registry import MODELS


@MODELS.register_module()
class PoolNormNeck(BaseModule):
    """Global-average-pools the last feature map, then LayerNorms the pooled
    vector (ConvNeXt normalises after pooling, its backbone has no final
    norm: ``UnifiedBackbone(stage_norm='none')``). Paired with mmpretrain's
    ``LinearClsHead`` (``in_channels`` = ``in_channels``).

    Args:
        in_channels (int): Channels of the last backbone output.
        eps (float): LayerNorm epsilon. Default 1e-6 (ConvNeXt's).
    """

    def __init__(self, in_channels, eps=1e-6, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.norm = nn.LayerNorm(in_channels, eps=eps)

    @staticmethod
    def output_channels(in_channels, **options):
        """The width of the output: the input's."""
        return in_channels

    def forward(self, inputs):
        """Takes the backbone's tuple; returns a tuple of ``(B, C)``."""
        if not isinstance(inputs, (tuple, list)):
            inputs = (inputs, )
        return (self.norm(inputs[-1].mean(dim=(2, 3))), )
