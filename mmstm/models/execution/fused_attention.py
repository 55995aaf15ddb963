"""Attention with a position bias through SDPA's fused kernels, on CUDA.

The windowed mixers (Swin, NAT's tiles, Halo) add a learned position bias
and masks to their logits. Written out, training keeps every window's
softmax for the backward pass; SDPA's memory-efficient kernel takes the bias
as its additive mask (with a gradient), keeps no logits and reads the bias
broadcast over the batch. The written-out products stay the CPU path, where
they measured faster. Halo's query-related bias depends on the query, so it
enters as extra dimensions of the queries and keys rather than as a mask
(see :class:`FusedHaloAttention`).
"""
import torch
import torch.nn.functional as F

from ..stms.halo import HaloAttention
from .switch import fast_form

# devices whose attention goes through SDPA with the bias as its mask
FUSED_DEVICES = ('cuda', )
# the memory-efficient kernel needs head dims in multiples of this
HEAD_DIM_MULTIPLE = 8


def runs_fused(tensor):
    """Whether attention on ``tensor``'s device is fused."""
    return tensor.device.type in FUSED_DEVICES


def fused_attention(q, k, v, bias, scale=None):
    """``softmax(q k^T * scale + bias) v`` by SDPA, ``scale`` defaulting to
    ``d**-0.5``: ``q`` ``(B, ..., N, d)``, ``k`` ``(B, ..., M, d)``, ``v``
    ``(B, ..., M, dv)``; ``bias`` ``(..., N, M)``, the same for every
    sample. The dims between batch and tokens become SDPA's heads, over
    which the bias is a view; it is expanded to them only where it
    broadcasts (e.g. a padding mask the same for every head)."""
    batch, *middle, queries, _ = q.shape
    bias = bias.to(q.dtype).expand(*middle, queries, k.shape[-2])
    out = F.scaled_dot_product_attention(
        q.reshape(batch, -1, queries, q.shape[-1]),
        k.reshape(batch, -1, *k.shape[-2:]),
        v.reshape(batch, -1, *v.shape[-2:]),
        attn_mask=bias.reshape(1, -1, *bias.shape[-2:]), scale=scale)
    return out.view(batch, *middle, queries, v.shape[-1])


def additive_mask(masked, dtype):
    """``0`` where ``masked`` is False, ``-inf`` where it is True."""
    return torch.zeros(masked.shape, dtype=dtype,
                       device=masked.device).masked_fill(masked, -torch.inf)


def pad_head_dims(tensor, multiple=HEAD_DIM_MULTIPLE):
    """Zeros appended to the last dim up to a multiple of ``multiple``
    (they add nothing to a dot product)."""
    return F.pad(tensor, (0, -tensor.shape[-1] % multiple))


def window_codes(window, device, dtype):
    """The one-hot row and the one-hot column of every key of a ``window x
    window`` window, ``(window**2, 2 * window)``."""
    code = torch.eye(window, dtype=dtype, device=device)
    position = torch.arange(window * window, device=device)
    return torch.cat([code[position // window], code[position % window]], -1)


@fast_form(HaloAttention)
class FusedHaloAttention(HaloAttention):
    """:class:`HaloAttention` fused on CUDA. Its query-related bias
    ``q . r_h[key row - query row] + q . r_w[key col - query col]`` is a dot
    product of the query, extended by its ``window`` height and ``window``
    width logits, with the key, extended by the one-hot codes of its row and
    column in the window; the scale applies to the content part only, as in
    HaloNet."""

    def attend(self, q, k, v, padded_keys):
        if not runs_fused(q):
            return super().attend(q, k, v, padded_keys)
        mask = additive_mask(padded_keys[:, None], q.dtype)
        if self.pos_embed_type == 'query_free':
            return fused_attention(q, k, v, self._position_logits(q)[0] + mask)
        height, width = self._relative_logits(q)
        codes = self._geometry.get(('window codes', k.device, k.dtype),
                                   window_codes, self.window_size, k.device,
                                   k.dtype)
        q = torch.cat([q * q.shape[-1]**-0.5, height, width], -1)
        k = torch.cat([k, codes.expand(*k.shape[:-1], -1)], -1)
        return fused_attention(pad_head_dims(q), pad_head_dims(k), v, mask,
                               scale=1.0)
