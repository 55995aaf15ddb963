"""Spatial-reduction attention of the unified PVT (U-PVT, PVT v1 style)."""
import torch.nn.functional as F
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM
from .mechanics import pad_to_multiple


@MODELS.register_module()
class SpatialReductionAttention(BaseSTM):
    """Global multi-head attention whose keys and values come from the map
    reduced by a ``sr_ratio`` x ``sr_ratio`` strided conv and LayerNorm
    (ratios 8, 4, 2, 1 over the stages; the arch adds a learned absolute
    position embedding before each stage).

    Maps whose sides are not multiples of ``sr_ratio`` are zero-padded at
    the bottom/right before the reduction, so every token reaches a key and
    maps smaller than the ratio work; at multiples (224x224 pretraining,
    COCO's padded sizes) this is exactly PVT's floor-mode reduction.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        sr_ratio (int): Kernel and stride of the reduction; 1 disables it.
        qkv_bias (bool): Bias of the query and key/value projections.
        norm_eps (float): Epsilon of the reduction's LayerNorm.
    """

    def __init__(self, embed_dims, num_heads, sr_ratio=1, qkv_bias=True,
                 norm_eps=1e-5, init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        if sr_ratio < 1:
            raise ValueError(f'sr_ratio must be >= 1, got {sr_ratio}')
        self.sr_ratio = sr_ratio
        self.q = nn.Linear(embed_dims, embed_dims, bias=qkv_bias)
        self.kv = nn.Linear(embed_dims, 2 * embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        if sr_ratio > 1:
            self.sr = nn.Conv2d(embed_dims, embed_dims, sr_ratio, sr_ratio)
            self.norm = nn.LayerNorm(embed_dims, eps=norm_eps)

    def _reduced(self, x):
        """``(B, H, W, C)`` -> ``(B, M, C)`` key/value tokens."""
        if self.sr_ratio == 1:
            return x.flatten(1, 2)
        x = self.sr(pad_to_multiple(x, self.sr_ratio).permute(0, 3, 1, 2))
        return self.norm(x.flatten(2).transpose(1, 2))

    @staticmethod
    def attend(q, k, v):
        """``softmax(q k^T / sqrt(d)) v`` of ``(B, heads, n, d)`` queries
        and ``(B, heads, m, d)`` keys and values."""
        return F.scaled_dot_product_attention(q, k, v)

    def forward(self, x):
        self.check_input(x)
        batch, height, width, channels = x.shape
        heads = self.num_heads
        q = self.q(x).view(batch, height * width, heads, -1).transpose(1, 2)
        kv = self.kv(self._reduced(x)).view(batch, -1, 2, heads,
                                            channels // heads)
        k, v = kv.permute(2, 0, 3, 1, 4)  # 2 x (B, heads, M, d)
        out = self.attend(q, k, v)
        out = out.transpose(1, 2).reshape(batch, height, width, channels)
        return self.proj(out)
