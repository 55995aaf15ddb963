"""Halo attention of the unified HaloNet (U-HaloNet)."""
import torch
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from mmstm.registry import MODELS

from ..utils.position import (resize_on_load, resize_relative_table_1d,
                              resize_relative_table_2d)
from .base import BaseSTM, check_padding
from .mechanics import ShapeCache, pad_to_multiple, round_up

POS_EMBED_TYPES = ('query_related', 'query_free')


def _halo_window_index(height, width, block_size, halo_size, device):
    """``(blocks, win*win)`` index of each block's window (the block grown by
    the halo) into a ``height x width`` map flattened and followed by one
    zero token, at ``height * width``, which stands for the halo beyond the
    map border. ``height, width`` are multiples of the block. A gather by
    this index is the windows' unfold."""
    win = block_size + 2 * halo_size
    offsets = torch.arange(win, device=device) - halo_size
    rows = torch.arange(0, height, block_size, device=device)[:, None] + \
        offsets
    cols = torch.arange(0, width, block_size, device=device)[:, None] + \
        offsets
    rows = rows[:, None, :, None]
    cols = cols[None, :, None, :]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    index = torch.where(inside, rows * width + cols, height * width)
    return index.reshape(-1, win * win)


def _gather_windows(tokens, window_index):
    """``(..., H*W, d)`` tokens of a map -> ``(..., blocks, win*win, d)``,
    by the index of ``_halo_window_index``."""
    zero = tokens.new_zeros(*tokens.shape[:-2], 1, tokens.shape[-1])
    padded = torch.cat([tokens, zero], dim=-2)
    windows = padded.view(-1, *padded.shape[-2:]).index_select(
        1, window_index.flatten())
    return windows.view(*tokens.shape[:-2], *window_index.shape,
                        tokens.shape[-1])


def _gather_last(logits, index):
    """``out[..., r, j] = logits[..., r, index[r, j]]``."""
    return logits.gather(-1, index.expand(*logits.shape[:-1], -1))


@MODELS.register_module()
class HaloAttention(BaseSTM):
    """Blocked local self-attention: every ``block_size`` square of queries
    (7x7) attends to the block grown by ``halo_size`` (3) on each side;
    query-related relative logits from height and width tables (or
    ``pos_embed_type='query_free'``: a learned bias per head).

    Any ``H, W`` works: the map is zero-padded at the bottom/right to a
    multiple of the block. The halo beyond the (padded) map is always masked
    out of the softmax; the block padding is masked too with
    ``padding='masked'`` (a token only sees real tokens), while with
    ``padding='zeros'`` its zero tokens are attended, as in the paper's
    detection code.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        block_size (int): Side of the query blocks. Default 7.
        halo_size (int): Halo added to each side of a block. Default 3.
        pos_embed_type (str): ``'query_related'`` (relative logits
            ``q . r`` from separate height and width tables, as HaloNet) or
            ``'query_free'`` (a learned relative bias per head, as Swin).
        padding (str): ``'masked'`` or ``'zeros'``, see above.
    """

    # Official names: ``attn.pos_embed.*`` holds the position tables.
    OFFICIAL_BLOCK_KEYS = {'attn.pos_embed': 'stm'}
    OFFICIAL_IGNORED_KEYS = ('attn.pos_embed.relative_position_index', )
    # how the paper's downstream (detection) backbone runs this mixer
    DOWNSTREAM_OPTIONS = dict(padding='zeros')

    def __init__(self, embed_dims, num_heads, block_size=7, halo_size=3,
                 pos_embed_type='query_related', padding='masked',
                 init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        self.padding = check_padding(padding)
        if pos_embed_type not in POS_EMBED_TYPES:
            raise ValueError(f'pos_embed_type must be one of '
                             f'{POS_EMBED_TYPES}, got {pos_embed_type!r}')
        if block_size < 1 or halo_size < 0:
            raise ValueError(f'need block_size >= 1 and halo_size >= 0, got '
                             f'{block_size} and {halo_size}')
        self.block_size = block_size
        self.halo_size = halo_size
        self.window_size = block_size + 2 * halo_size
        self.pos_embed_type = pos_embed_type
        head_dims = embed_dims // num_heads
        self.q = nn.Linear(embed_dims, embed_dims, bias=False)
        # Output channels are grouped per head as (key, value), the layout of
        # the released checkpoints.
        self.kv = nn.Linear(embed_dims, 2 * embed_dims, bias=False)
        self.proj = nn.Linear(embed_dims, embed_dims)
        table_size = 2 * self.window_size - 1
        if pos_embed_type == 'query_related':
            self.height_rel = nn.Parameter(
                torch.randn(table_size, head_dims) * head_dims**-0.5)
            self.width_rel = nn.Parameter(
                torch.randn(table_size, head_dims) * head_dims**-0.5)
            resize_on_load(self, {
                'height_rel': lambda v, s: resize_relative_table_1d(v, s[0]),
                'width_rel': lambda v, s: resize_relative_table_1d(v, s[0])})
        else:
            self.relative_position_bias_table = nn.Parameter(
                torch.zeros(table_size**2, num_heads))
            trunc_normal_(self.relative_position_bias_table, std=.02)
            resize_on_load(self, {
                'relative_position_bias_table':
                lambda v, s: resize_relative_table_2d(v, s[0])})
        self._register_table_indices()
        self._geometry = ShapeCache()

    def _register_table_indices(self):
        """Indices into the position tables for every (query, key) pair of a
        block and its window; they depend only on the block and halo sizes,
        so they are built once, as non-persistent buffers."""
        bs, win = self.block_size, self.window_size
        # key - query along one axis; query i of the block sits at halo + i
        offsets = torch.arange(win)[None, :] - \
            (torch.arange(bs)[:, None] + self.halo_size)
        if self.pos_embed_type == 'query_free':
            rel = win - 1 - offsets  # query - key, shifted to >= 0
            index = (rel[:, None, :, None] * (2 * win - 1) +
                     rel[None, :, None, :]).reshape(bs * bs, win * win)
            self.register_buffer('bias_index', index, persistent=False)
            return
        # HaloNet indexes its tables by the key's position in the window
        # minus the query's position in the block (not in the window).
        index = offsets + self.halo_size + win - 1
        self.register_buffer('height_index', index.repeat_interleave(bs, 0),
                             persistent=False)
        self.register_buffer('width_index', index.repeat(bs, 1),
                             persistent=False)

    def _windows(self, height, width, device):
        """The window index of the map padded to blocks, and the
        ``(blocks, win*win)`` mask of the keys that are padding, built once
        per input shape."""
        return self._geometry.get((height, width, device),
                                  self._build_windows, height, width, device)

    def _build_windows(self, height, width, device):
        padded_h = round_up(height, self.block_size)
        padded_w = round_up(width, self.block_size)
        window_index = _halo_window_index(padded_h, padded_w, self.block_size,
                                          self.halo_size, device)
        valid = torch.ones(1, height, width, 1, device=device)
        valid = pad_to_multiple(valid, self.block_size,
                                value=float(self.padding == 'zeros'))
        valid = _gather_windows(valid.view(-1, 1), window_index)
        return window_index, valid.view(window_index.shape) == 0

    def _position_logits(self, q):
        """``(..., block*block, win*win)`` position logits for queries ``q``
        ``(..., block*block, head_dims)`` (unscaled, as in HaloNet)."""
        if self.pos_embed_type == 'query_free':
            bias = self.relative_position_bias_table[self.bias_index]
            return bias.permute(2, 0, 1)[None, :, None].to(q.dtype)
        height, width = self._relative_logits(q)
        return (height[..., :, None] + width[..., None, :]).flatten(-2)

    def _relative_logits(self, q):
        """HaloNet's query-related logits of each query against every key
        row and every key column of its window, ``(..., block*block, win)``
        each."""
        return (_gather_last(q @ self.height_rel.t(), self.height_index),
                _gather_last(q @ self.width_rel.t(), self.width_index))

    def attend(self, q, k, v, padded_keys):
        """Attention of every block's queries ``q`` ``(B, heads, blocks,
        block*block, d)`` over its window's keys and values ``(B, heads,
        blocks, win*win, d)``, the keys that are padding
        (``padded_keys``, ``(blocks, win*win)``) masked out."""
        # in place: the logits are the mixer's largest tensor
        logits = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
        logits = logits.add_(self._position_logits(q))
        logits = logits.masked_fill_(padded_keys[:, None], float('-inf'))
        return logits.softmax(-1) @ v

    def largest_elements_per_sample(self, x):
        """The attention logits, or the key windows where those are
        larger."""
        blocks = -(-x.shape[1] // self.block_size) * \
            -(-x.shape[2] // self.block_size)
        return blocks * self.window_size**2 * max(
            self.num_heads * self.block_size**2, x.shape[3])

    def forward(self, x):
        self.check_input(x)
        batch, height, width, channels = x.shape
        bs, heads = self.block_size, self.num_heads
        x = pad_to_multiple(x, bs)
        blocks_h, blocks_w = x.shape[1] // bs, x.shape[2] // bs
        window_index, padded_keys = self._windows(height, width, x.device)

        q = self.q(x).view(batch, blocks_h, bs, blocks_w, bs, heads, -1)
        q = q.permute(0, 5, 1, 3, 2, 4, 6).reshape(
            batch, heads, blocks_h * blocks_w, bs * bs, -1)
        kv = self.kv(x).view(batch, -1, heads, 2, channels // heads)
        # windows gathered in the attention layout: k, v contiguous
        k, v = _gather_windows(kv.permute(3, 0, 2, 1, 4), window_index)

        out = self.attend(q, k, v, padded_keys)
        out = out.view(batch, heads, blocks_h, blocks_w, bs, bs, -1)
        out = out.permute(0, 2, 4, 3, 5, 1, 6).reshape(
            batch, blocks_h * bs, blocks_w * bs, channels)
        return self.proj(out[:, :height, :width])
