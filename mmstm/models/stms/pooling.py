"""Average pooling of the unified PoolFormer (U-Pool), the MetaFormer
baseline."""
import torch.nn.functional as F

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


@MODELS.register_module()
class PoolingMixer(BaseSTM):
    """PoolFormer's token mixer: ``pool_size x pool_size`` average pooling
    (stride 1, the border averaging real tokens only) minus the input; no
    parameters.

    The subtraction makes a constant map mix to zero: with the block's
    residual, the mixer adds only how a token differs from its
    neighbourhood.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        pool_size (int): Side of the pooling window (odd). Default 3.
    """

    def __init__(self, embed_dims, num_heads=None, pool_size=3,
                 init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('PoolingMixer', pool_size=pool_size)
        self.pool_size = pool_size

    def forward(self, x):
        self.check_input(x)
        nchw = x.permute(0, 3, 1, 2)
        pooled = F.avg_pool2d(nchw, self.pool_size, 1, self.pool_size // 2,
                              count_include_pad=False)
        return (pooled - nchw).permute(0, 2, 3, 1)
