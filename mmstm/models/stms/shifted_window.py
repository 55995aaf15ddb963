"""Shifted-window attention of the unified Swin (U-Swin)."""
import torch
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from mmstm.registry import MODELS

from ..utils.position import resize_on_load, resize_relative_table_2d
from ..utils.recording import recording_graph
from .base import BaseSTM, check_padding
from .mechanics import ShapeCache, round_up

# The official masks add -100, whose softmax weights are denormal floats
# (slow arithmetic); -inf gives exact zeros, the same function to float32
# rounding. Padded queries' rows are left unmasked (their outputs are
# cropped), so no row is all -inf.
MASK_VALUE = float('-inf')


def relative_position_index(window_h, window_w, table_size):
    """Index into a ``(2 * table_size - 1) ** 2`` bias table for every pair
    of positions of a ``window_h x window_w`` window."""
    coords = torch.stack(torch.meshgrid(torch.arange(window_h),
                                        torch.arange(window_w),
                                        indexing='ij')).flatten(1)
    rel = coords[:, :, None] - coords[:, None, :] + (table_size - 1)
    return rel[0] * (2 * table_size - 1) + rel[1]


def window_labels(height, width, window, shift, valid_h, valid_w):
    """Per-position region ids of the shifted map, so tokens of different
    regions never attend: the shift's wrapped-around strips get their own
    ids and padding beyond ``valid_h x valid_w`` gets -1 (padded keys are
    masked for every query). Without a shift every window is one region.
    Written as arithmetic on positions, so ``shift`` may be decided in a
    recorded graph."""

    def regions(length, valid):
        position = torch.arange(length)
        # 0 before the last window, 1 in it up to the shift, 2 in the shift
        region = (position >= length - window).long() + \
            (position >= length - shift).long()
        return region, (position + shift) % length >= valid  # padded?

    rows, padded_rows = regions(height, valid_h)
    cols, padded_cols = regions(width, valid_w)
    labels = 3 * rows[:, None] + cols[None, :]
    return labels.masked_fill(padded_rows[:, None] | padded_cols[None, :], -1)


@MODELS.register_module()
class ShiftedWindowAttention(BaseSTM):
    """Multi-head self-attention inside ``window_size`` windows (7x7),
    optionally shifted by half a window (every other block), with a learned
    relative position bias.

    Sizes that are no multiple of the window are padded at the bottom/right,
    in one of two ways (the shift mask is built for the actual size, once per
    shape):

    * ``padding='masked'`` (the classification model): padded keys are masked
      out of every softmax, and a map no larger than the window is one
      window without shift;
    * ``padding='zeros'`` (the paper's detection code): the padded tokens are
      zeros that queries attend to, and every map is cut into full windows
      and shifted, whatever its size.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Attention heads.
        window_size (int): Window side. Default 7.
        shift (bool): Shift the windows by ``window_size // 2``.
        qkv_bias (bool): Bias of the query/key/value projection.
        padding (str): ``'masked'`` or ``'zeros'``, see above.
    """

    OFFICIAL_IGNORED_KEYS = ('attn.relative_position_index', 'attn_mask')
    # how the paper's downstream (detection) backbone runs this mixer
    DOWNSTREAM_OPTIONS = dict(padding='zeros')

    def __init__(self, embed_dims, num_heads, window_size=7, shift=False,
                 qkv_bias=True, padding='masked', init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        self.padding = check_padding(padding)
        self.window_size = window_size
        self.shift_size = window_size // 2 if shift else 0
        self.qkv = nn.Linear(embed_dims, 3 * embed_dims, bias=qkv_bias)
        self.proj = nn.Linear(embed_dims, embed_dims)
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * window_size - 1)**2, num_heads))
        trunc_normal_(self.relative_position_bias_table, std=.02)
        resize_on_load(self, {
            'relative_position_bias_table':
            lambda value, shape: resize_relative_table_2d(value, shape[0])})
        self._shapes = ShapeCache()
        # float masks are heads x 4 times the size of the boolean geometry
        self._frozen_masks = ShapeCache(capacity=2)

    def _layout(self, height, width):
        """Window (h, w), shift and padded size for a map of this size."""
        ws = self.window_size
        padded = (round_up(height, ws), round_up(width, ws))
        if self.padding == 'zeros':
            return (ws, ws), self.shift_size, padded
        larger = (height > ws) | (width > ws)
        if recording_graph():
            # the same function, decided in the graph for every size: a map
            # that fits one window is padded to it (masked) and not shifted
            return (ws, ws), self.shift_size * larger, padded
        if not larger:
            return (height, width), 0, (height, width)
        return (ws, ws), self.shift_size, padded

    def _geometry(self, height, width, device):
        """What the map's size decides, built once per shape: which tokens of
        a window may not see each other (other shifted region, padding), the
        relative position index, and where each token comes from both ways:
        ``to_windows`` (``rows * cols * N``) indexes the padded map for every
        window token in order (the cyclic shift included), ``back``
        (``height * width``) indexes those window tokens for every position
        of the map (the shift undone, the padding cropped)."""
        return self._shapes.get((height, width, device),
                                self._build_geometry, height, width, device)

    def _build_geometry(self, height, width, device):
        (wh, ww), shift, (hp, wp) = self._layout(height, width)
        valid = (height, width) if self.padding == 'masked' else (hp, wp)
        labels = window_labels(hp, wp, max(wh, ww), shift, *valid)
        labels = labels.unflatten(1, (-1, ww)).unflatten(0, (-1, wh))
        labels = labels.transpose(1, 2).flatten(2)  # (rows, cols, wh * ww)
        separated = labels[..., None, :] != labels[..., :, None]
        separated = separated | (labels == -1)[..., None, :]
        separated = separated & (labels != -1)[..., :, None]
        index = relative_position_index(wh, ww, self.window_size)
        # torch.roll by -shift: token i of an axis comes from (i + shift) % n
        rows = (torch.arange(hp, device=device) + shift) % hp
        cols = (torch.arange(wp, device=device) + shift) % wp
        grid = (rows[:, None] * wp + cols).view(hp // wh, wh, wp // ww, ww)
        to_windows = grid.transpose(1, 2).flatten()
        back = to_windows.argsort()  # the inverse permutation
        back = back.view(hp, wp)[:height, :width].flatten()
        return separated.to(device), index.to(device), to_windows, back

    def _mask(self, height, width, device, dtype):
        """Additive mask (window rows, window columns, heads, N, N): relative
        position bias plus shift and padding masks. Where the bias table
        gets no gradient (testing) the mask is kept per shape along with the
        table it was built from, and rebuilt when the table differs from it
        (compared by value: an update through ``.data``, as mmengine's EMA
        does, leaves no other trace)."""
        table = self.relative_position_bias_table
        if recording_graph() or (torch.is_grad_enabled()
                                             and table.requires_grad):
            return self._build_mask(height, width, device, dtype)
        kept = self._frozen_masks.get((height, width, device, dtype), list)
        if not (kept and torch.equal(kept[0], table)):
            kept[:] = (table.detach().clone(),
                       self._build_mask(height, width, device, dtype))
        return kept[1]

    def _build_mask(self, height, width, device, dtype):
        separated, index = self._geometry(height, width, device)[:2]
        bias = self.relative_position_bias_table[index.flatten()]
        bias = bias.view(*index.shape, -1).permute(2, 0, 1).to(dtype)
        return bias.masked_fill(separated[:, :, None], MASK_VALUE)

    @staticmethod
    def gather_tokens(tokens, index):
        """``(B, n, C)`` tokens -> ``(B, len(index), C)``, token ``i`` of
        the result being ``tokens[:, index[i]]`` (``index`` without
        repeats)."""
        return tokens.index_select(1, index)

    @staticmethod
    def attend(q, k, v, mask):
        """``softmax(q k^T / sqrt(d) + mask) v`` of windows on a grid: ``q,
        k, v`` ``(B, rows, cols, heads, N, d)``, ``mask`` ``(rows, cols,
        heads, N, N)``; returns ``(B, rows, cols, N, heads, d)``."""
        logits = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
        return ((logits + mask).softmax(-1) @ v).transpose(-3, -2)

    def forward(self, x):
        self.check_input(x)
        batch, height, width, channels = x.shape
        (wh, ww), shift, (hp, wp) = self._layout(height, width)
        if (hp, wp) != (height, width) or recording_graph():
            x = F.pad(x, (0, 0, 0, wp - width, 0, hp - height))
        # pad, cyclic shift and window partition as one gather; windows kept
        # as a grid (B, rows, cols, N, C), over which the mask broadcasts
        to_windows, back = self._geometry(height, width, x.device)[2:]
        windows = self.gather_tokens(x.flatten(1, 2), to_windows).view(
            batch, hp // wh, wp // ww, wh * ww, channels)
        qkv = self.qkv(windows).unflatten(-1, (3, self.num_heads, -1))
        # 3 x (B, rows, cols, heads, N, d)
        q, k, v = qkv.permute(4, 0, 1, 2, 5, 3, 6)
        mask = self._mask(height, width, x.device, x.dtype)
        out = self.proj(self.attend(q, k, v, mask).flatten(-2))
        out = self.gather_tokens(out.flatten(1, 3), back)
        return out.view(batch, height, width, channels)
