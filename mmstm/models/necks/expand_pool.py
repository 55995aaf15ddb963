"""Neck of the unified classifier: 1x1 conv expansion, BN, GELU, pooling."""
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from torch import nn

from mmstm.registry import MODELS

EXPAND_RATIO = 1.5  # the paper's unified head


@MODELS.register_module()
class ExpandPoolNeck(BaseModule):
    """Expands the last feature map to ``expand_ratio * C`` channels with a
    bias-free 1x1 conv + norm + GELU, then global-average-pools it.

    Paired with mmpretrain's ``LinearClsHead`` (``in_channels`` =
    ``int(C * expand_ratio)``) it forms the paper's unified head.

    Args:
        in_channels (int): Channels of the last backbone output.
        expand_ratio (float): Width of the expansion. Default 1.5.
        norm_cfg (dict): Norm after the conv; ``dict(type='SyncBN')`` under
            distributed training. Default ``dict(type='BN')``.
    """

    def __init__(self, in_channels, expand_ratio=EXPAND_RATIO,
                 norm_cfg=dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.out_channels = self.output_channels(in_channels, expand_ratio)
        self.conv = nn.Conv2d(in_channels, self.out_channels, 1, bias=False)
        self.norm = build_norm_layer(norm_cfg, self.out_channels)[1]
        self.act = nn.GELU()
        self.pool = nn.AdaptiveAvgPool2d(1)

    @staticmethod
    def output_channels(in_channels, expand_ratio=EXPAND_RATIO, **options):
        """The width of the pooled output for these constructor options
        (what the head's ``in_channels`` must be)."""
        return int(in_channels * expand_ratio)

    def forward(self, inputs):
        """Takes the backbone's tuple; returns a tuple of ``(B, C')``."""
        if not isinstance(inputs, (tuple, list)):
            inputs = (inputs, )
        x = self.act(self.norm(self.conv(inputs[-1])))
        return (self.pool(x).flatten(1), )
