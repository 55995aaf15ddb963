"""Global multi-head self-attention, the late stages of the unified
conv-attention hybrid (U-Hybrid)."""
import torch.nn.functional as F
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM


@MODELS.register_module()
class GlobalAttention(BaseSTM):
    """Every token attends to every token of the map (ViT's attention, on
    the 2-D map of a hierarchical stage). No position bias: in the hybrid
    the convolution stages before it give the tokens their position.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        qkv_bias (bool): Bias of the query/key/value projection.
    """

    def __init__(self, embed_dims, num_heads, qkv_bias=True, init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)

    @staticmethod
    def attend(q, k, v):
        """``softmax(q k^T / sqrt(d)) v`` of ``(B, heads, n, d)`` queries
        and ``(B, heads, m, d)`` keys and values."""
        return F.scaled_dot_product_attention(q, k, v)

    def forward(self, x):
        self.check_input(x)
        batch, height, width, channels = x.shape
        qkv = self.qkv(x.flatten(1, 2)).unflatten(-1, (3, self.num_heads, -1))
        q, k, v = qkv.permute(2, 0, 3, 1, 4)  # 3 x (B, heads, HW, d)
        out = self.attend(q, k, v)
        out = out.transpose(1, 2).reshape(batch, height, width, channels)
        return self.proj(out)
