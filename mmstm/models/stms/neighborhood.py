"""Neighbourhood attention of the unified NAT (U-NAT)."""
import torch
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from mmstm.registry import MODELS

from ..fused_linear import Linear
from .base import BaseSTM, check_odd
from .mechanics import ShapeCache, mix_in_sample_chunks


def window_starts(positions, length, kernel_size):
    """First key of each position's neighbourhood on a line of ``length``:
    near the borders the window is clamped (shifted inward) rather than
    cut, as NAT does, so every query sees ``min(kernel_size, length)``
    keys."""
    size = min(kernel_size, length)
    return (positions - kernel_size // 2).clamp(0, length - size)


def neighbourhood_1d(length, kernel_size):
    """For every position of a line of ``length``: the positions of its
    neighbourhood, ``(length, n)``, and their offsets from it shifted to
    ``[0, 2 * kernel_size - 2]`` (the bias table index), ``(length, n)``."""
    positions = torch.arange(length)
    start = window_starts(positions, length, kernel_size)
    keys = start[:, None] + torch.arange(min(kernel_size, length))
    return keys, keys - positions[:, None] + kernel_size - 1


def neighbourhood_2d(height, width, kernel_size, device):
    """Flat key indices ``(H*W, n)`` and flat bias-table indices ``(H*W,
    n)`` of every query's neighbourhood on an ``H x W`` map."""
    rows, row_offsets = neighbourhood_1d(height, kernel_size)
    cols, col_offsets = neighbourhood_1d(width, kernel_size)
    keys = rows[:, None, :, None] * width + cols[None, :, None, :]
    table_side = 2 * kernel_size - 1
    bias = row_offsets[:, None, :, None] * table_side + \
        col_offsets[None, :, None, :]
    return (keys.reshape(height * width, -1).to(device),
            bias.reshape(height * width, -1).to(device))


def tiles_1d(length, kernel_size, device):
    """One side cut into tiles of queries, each with the span of keys its
    queries' neighbourhoods cover: a side longer than ``2k - 1`` into
    tiles of ``k`` (span ``2k - 1``), a shorter one into a single tile.

    Returns the tile length, the key positions of each tile ``(tiles,
    span)``, and for every (tile, query in it, key in its span) the key's
    offset from the query shifted to ``[0, 2k - 2]`` or -1 where the key is
    outside the query's neighbourhood, ``(tiles, tile, span)``. Queries
    past the end (the last tile's padding) take the last position's
    neighbourhood; their outputs are cut off."""
    tile = kernel_size if length > 2 * kernel_size - 1 else length
    span = min(tile + kernel_size - 1, length)
    tiles = (length + tile - 1) // tile
    queries = torch.arange(tiles * tile, device=device).clamp(max=length - 1)
    starts = window_starts(queries, length, kernel_size)
    # the first query's window starts leftmost; the span may not pass the end
    span_starts = starts[::tile].clamp(max=length - span)
    keys = span_starts[:, None] + torch.arange(span, device=device)
    queries, starts = queries.view(tiles, tile, 1), starts.view(tiles, tile, 1)
    inside = (keys[:, None] >= starts) & \
        (keys[:, None] < starts + min(kernel_size, length))
    offsets = keys[:, None] - queries + kernel_size - 1
    return tile, keys, offsets.masked_fill(~inside, -1)


def neighbourhood_tiles(height, width, kernel_size, device):
    """:func:`tiles_1d` of both sides: the tile height and width, the key
    rows ``(row tiles, row span)`` and columns ``(col tiles, col span)`` of
    the tiles, and the bias-table index of every (tile, query, key) ``(row
    tiles * col tiles, tile h * tile w, row span * col span)``, pointing
    past the table (at the -inf entry) for keys outside the query's
    neighbourhood."""
    tile_h, key_rows, row_offsets = tiles_1d(height, kernel_size, device)
    tile_w, key_cols, col_offsets = tiles_1d(width, kernel_size, device)
    table_side = 2 * kernel_size - 1
    rows = row_offsets[:, None, :, None, :, None]
    cols = col_offsets[None, :, None, :, None, :]
    index = (rows * table_side + cols).masked_fill(
        (rows < 0) | (cols < 0), table_side**2)
    return tile_h, tile_w, key_rows, key_cols, index.flatten(4).flatten(
        2, 3).flatten(0, 1)


@MODELS.register_module()
class NeighborhoodAttention(BaseSTM):
    """Every query attends to the ``kernel_size x kernel_size`` keys around
    it (Neighborhood Attention Transformer), with a learned relative
    position bias per head; at the borders the neighbourhood is clamped
    inside the map, not zero-padded. A map side shorter than the kernel is
    attended whole (NAT pads such maps to the kernel size instead).

    Pure PyTorch for any size and device, computed per tile of ``k x k``
    queries: each tile attends to the ``(2k - 1)^2`` keys its queries'
    neighbourhoods cover, with the keys outside a query's own neighbourhood
    masked. That is up to ``(2k - 1)^2 / k^2`` (3.4x) the products of
    gathering every query's ``k^2`` keys, but as dense matrix products and
    without a copy of the keys per query, several times faster. The FLOP
    counter (a trace) runs the gathered form, which computes exactly the
    operator's products; tests hold both forms equal.

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
        self.qkv = Linear(embed_dims, 3 * embed_dims, bias=qkv_bias)
        self.proj = Linear(embed_dims, embed_dims)
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros(num_heads, (2 * kernel_size - 1)**2))
        trunc_normal_(self.relative_position_bias_table, std=.02)
        self._geometry = ShapeCache()  # of either form, per shape

    def forward(self, x):
        self.check_input(x)
        return mix_in_sample_chunks(self._mix, x, self._largest_per_sample(x))

    def _largest_per_sample(self, x):
        """Elements of one sample's largest tensor, about: the tiled
        attention logits, every query of a tile against its tile's keys."""
        k = self.kernel_size
        tiles = -(-x.shape[1] // k) * -(-x.shape[2] // k)
        return self.num_heads * tiles * k**2 * (2 * k - 1)**2

    def _mix(self, x):
        qkv = self.qkv(x).unflatten(-1, (3, self.num_heads, -1))
        attend = self.attend_gathered if torch.jit.is_tracing() \
            else self.attend_tiled
        return self.proj(attend(qkv))

    def attend_gathered(self, qkv):
        """Attention of ``qkv`` ``(B, H, W, 3, heads, d)`` with every
        query's neighbourhood gathered; ``(B, H, W, C)``."""
        batch, height, width = qkv.shape[:3]
        keys, bias_index = self._geometry.get(
            (height, width, qkv.device, 'gathered'), neighbourhood_2d,
            height, width, self.kernel_size, qkv.device)
        q, k, v = qkv.flatten(1, 2).permute(2, 0, 3, 1, 4)  # (B, h, HW, d)
        k, v = k[:, :, keys], v[:, :, keys]  # (B, heads, HW, n, d)
        q = q * q.shape[-1]**-0.5
        logits = (k @ q.unsqueeze(-1)).squeeze(-1)  # (B, heads, HW, n)
        logits = logits + self.relative_position_bias_table[:, bias_index]
        out = (logits.softmax(-1).unsqueeze(-2) @ v).squeeze(-2)
        return out.transpose(1, 2).reshape(batch, height, width, -1)

    def attend_tiled(self, qkv):
        """As :meth:`attend_gathered`, per tile of queries (see the class
        docstring)."""
        batch, height, width, _, heads, dims = qkv.shape
        tile_h, tile_w, key_rows, key_cols, bias_index = self._geometry.get(
            (height, width, qkv.device, 'tiled'), neighbourhood_tiles,
            height, width, self.kernel_size, qkv.device)
        (row_tiles, row_span), (col_tiles, col_span) = \
            key_rows.shape, key_cols.shape
        q = qkv[:, :, :, 0] * dims**-0.5
        q = F.pad(q, (0, 0, 0, 0, 0, col_tiles * tile_w - width, 0,
                      row_tiles * tile_h - height))
        q = q.view(batch, row_tiles, tile_h, col_tiles, tile_w, heads, dims)
        q = q.permute(0, 5, 1, 3, 2, 4, 6).flatten(4, 5).flatten(2, 3)
        kv = qkv[:, :, :, 1:].index_select(1, key_rows.flatten())
        kv = kv.index_select(2, key_cols.flatten()).view(
            batch, row_tiles, row_span, col_tiles, col_span, 2, heads, dims)
        k, v = kv.permute(5, 0, 6, 1, 3, 2, 4, 7).flatten(5, 6).flatten(3, 4)
        table = F.pad(self.relative_position_bias_table, (0, 1),
                      value=float('-inf'))
        logits = q @ k.transpose(-2, -1) + table[:, bias_index]
        out = logits.softmax(-1) @ v  # (B, heads, tiles, queries, d)
        out = out.view(batch, heads, row_tiles, col_tiles, tile_h, tile_w,
                       dims).permute(0, 2, 4, 3, 5, 1, 6)
        out = out.reshape(batch, row_tiles * tile_h, col_tiles * tile_w, -1)
        return out[:, :height, :width]
