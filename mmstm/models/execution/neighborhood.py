"""Neighbourhood attention per tile of queries, as dense products.

Each tile of ``k x k`` queries attends to the ``(2k - 1)^2`` keys its
queries' neighbourhoods cover, with the keys outside a query's own
neighbourhood masked out of its softmax. That is up to ``(2k - 1)^2 / k^2``
(3.4x) the products of gathering every query's ``k^2`` keys, but as dense
matrix products without a copy of the keys per query, several times faster
on the CPU; on CUDA the tiles go through SDPA with the bias (and the -inf
of the keys outside a query's neighbourhood) as its mask. The FLOP counter
counts the mixer's own (gathered) form.
"""
import torch
import torch.nn.functional as F

from ..stms.neighborhood import NeighborhoodAttention, window_starts
from .fused_attention import fused_attention, runs_fused
from .switch import fast_form


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


@fast_form(NeighborhoodAttention)
class TiledNeighborhoodAttention(NeighborhoodAttention):
    """:class:`NeighborhoodAttention` per tile of queries."""

    def largest_elements_per_sample(self, x):
        """The tiled logits: every query of a tile against its tile's
        keys."""
        k = self.kernel_size
        tiles = -(-x.shape[1] // k) * -(-x.shape[2] // k)
        return self.num_heads * tiles * k**2 * (2 * k - 1)**2

    def attend(self, qkv):
        """``NeighborhoodAttention.attend``, per tile of queries."""
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
        bias = self.bias_at(bias_index)
        if runs_fused(q):
            out = fused_attention(q, k, v, bias, scale=1.0)
        else:
            out = (q @ k.transpose(-2, -1) + bias).softmax(-1) @ v
        # (B, heads, tiles, queries, d)
        out = out.view(batch, heads, row_tiles, col_tiles, tile_h, tile_w,
                       dims).permute(0, 2, 4, 3, 5, 1, 6)
        out = out.reshape(batch, row_tiles * tile_h, col_tiles * tile_w, -1)
        return out[:, :height, :width]
