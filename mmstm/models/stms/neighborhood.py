"""Neighbourhood attention of the unified NAT (U-NAT)."""
import torch
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd
from .mechanics import ShapeCache


def window_starts(positions, length, kernel_size):
    """First key of each position's neighbourhood on a line of ``length``:
    near the borders the window is clamped (shifted inward) rather than
    cut, as NAT does, so every query sees ``min(kernel_size, length)``
    keys."""
    start = positions - kernel_size // 2
    return start.clamp(max=length - kernel_size).clamp(min=0)


def neighbourhood_1d(length, kernel_size):
    """For every position of a line of ``length``: the ``kernel_size``
    positions of its neighbourhood and their offsets from it shifted to
    ``[0, 2 * kernel_size - 2]`` (the bias table index), ``(length, k)``
    each, and which of them lie on the line: a line shorter than the kernel
    has fewer (those past its end are clamped to it, and masked out)."""
    positions = torch.arange(length)
    keys = window_starts(positions, length, kernel_size)[:, None] + \
        torch.arange(kernel_size)
    on_line = keys < length
    keys = keys.clamp(max=length - 1)
    return keys, keys - positions[:, None] + kernel_size - 1, on_line


def neighbourhood_2d(height, width, kernel_size, device):
    """Flat key indices ``(H*W, k*k)`` of every query's neighbourhood on an
    ``H x W`` map, and their flat bias-table indices ``(H*W, k*k)``, which
    point past the table (at a -inf entry) for keys off a map smaller than
    the kernel."""
    rows, row_offsets, on_rows = neighbourhood_1d(height, kernel_size)
    cols, col_offsets, on_cols = neighbourhood_1d(width, kernel_size)
    keys = rows[:, None, :, None] * width + cols[None, :, None, :]
    table_side = 2 * kernel_size - 1
    bias = row_offsets[:, None, :, None] * table_side + \
        col_offsets[None, :, None, :]
    bias = bias.masked_fill(
        ~(on_rows[:, None, :, None] & on_cols[None, :, None, :]),
        table_side**2)
    return (keys.reshape(height * width, -1).to(device),
            bias.reshape(height * width, -1).to(device))


@MODELS.register_module()
class NeighborhoodAttention(BaseSTM):
    """Every query attends to the ``kernel_size x kernel_size`` keys around
    it (Neighborhood Attention Transformer), with a learned relative
    position bias per head; at the borders the neighbourhood is clamped
    inside the map, not zero-padded. A map side shorter than the kernel is
    attended whole: its queries get the kernel's number of keys, those past
    the map masked out (NAT pads such maps to the kernel size instead).

    Pure PyTorch for any size and device: every query's neighbourhood is
    gathered from the map by an index built once per shape.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        kernel_size (int): Neighbourhood side (odd). Default 7.
        qkv_bias (bool): Bias of the query/key/value projection.
    """

    def __init__(self, embed_dims, num_heads, kernel_size=7, qkv_bias=True,
                 init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        check_odd('NeighborhoodAttention', kernel_size=kernel_size)
        self.kernel_size = kernel_size
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros(num_heads, (2 * kernel_size - 1)**2))
        trunc_normal_(self.relative_position_bias_table, std=.02)
        self._geometry = ShapeCache()

    def largest_elements_per_sample(self, x):
        """Every query's gathered keys and values."""
        return 2 * x.shape[1] * x.shape[2] * x.shape[3] * self.kernel_size**2

    def bias_at(self, index):
        """The heads' position bias at table ``index``; the index one past
        the table (``(2k - 1)^2``) gives -inf, a key masked out."""
        table = F.pad(self.relative_position_bias_table, (0, 1),
                      value=float('-inf'))
        return table[:, index]

    def forward(self, x):
        self.check_input(x)
        # a view, not unflatten: an exported graph keeps the sizes dynamic
        qkv = self.qkv(x)
        qkv = qkv.view(*qkv.shape[:-1], 3, self.num_heads, -1)
        return self.proj(self.attend(qkv))

    def attend(self, qkv):
        """Attention of ``qkv`` ``(B, H, W, 3, heads, d)`` over every
        query's neighbourhood; ``(B, H, W, C)``."""
        height, width = qkv.shape[1], qkv.shape[2]
        keys, bias_index = self._geometry.get(
            (height, width, qkv.device), neighbourhood_2d,
            height, width, self.kernel_size, qkv.device)
        q, k, v = qkv.flatten(1, 2).permute(2, 0, 3, 1, 4)  # (B, h, HW, d)
        # (B, heads, HW, k*k, d): every query's neighbours, one gather each
        k, v = (t.index_select(2, keys.flatten()).unflatten(2, keys.shape)
                for t in (k, v))
        q = q * q.shape[-1]**-0.5
        logits = (k @ q.unsqueeze(-1)).squeeze(-1)  # (B, heads, HW, k*k)
        logits = logits + self.bias_at(bias_index)
        out = (logits.softmax(-1).unsqueeze(-2) @ v).squeeze(-2)
        return out.transpose(1, 2).flatten(2).unflatten(1, (height, width))
