"""Attention written out in place, in cache-sized pieces, or through SDPA,
whichever the measurements found faster on the CPU; on CUDA, Swin's windows
go through SDPA with their bias as its mask (:mod:`.fused_attention`). The
results are those of the mixers' own expressions, to float rounding.

* The global mixers (PVT's spatial reduction, the hybrid's global attention)
  take SDPA's fused kernel, except in eager CPU training over at most
  :data:`FEW_KEYS` keys, where SDPA's CPU flash kernel's blocking costs more
  than the written-out product.
* Swin's windows: without gradients, the bias and the softmax go into the
  product's own buffer, a piece of :data:`PIECE_ELEMENTS` logits at a time
  (the logits are the mixer's largest tensor); the window gather's gradient
  is a copy back (its index has no repeats), not autograd's accumulation.
"""
import torch
import torch.nn.functional as F

from ..stms.global_attention import GlobalAttention
from ..stms.shifted_window import ShiftedWindowAttention
from ..stms.spatial_reduction import SpatialReductionAttention
from .cpu_linear import eager_cpu
from .fused_attention import fused_attention, runs_fused
from .switch import fast_form

FEW_KEYS = 128
# logits per piece without gradients: 2 MiB of float32, held in cache
PIECE_ELEMENTS = 1 << 19


def biased_attention(q, k, v, bias=None):
    """``softmax(q k^T * d**-0.5 + bias) v`` for ``(..., N, d)`` queries and
    ``(..., M, d)`` keys and values, ``bias`` broadcasting to ``(..., N,
    M)``; without gradients in the product's own buffer."""
    logits = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
    if torch.compiler.is_compiling():  # inductor fuses these
        return (logits if bias is None else logits + bias).softmax(-1) @ v
    if bias is not None:
        logits += bias
    if torch.is_grad_enabled() and logits.requires_grad:
        return logits.softmax(-1) @ v
    return torch.softmax(logits, -1, out=logits) @ v


def global_attention(q, k, v):
    """``softmax(q k^T * d**-0.5) v``: written out in eager CPU training
    over at most :data:`FEW_KEYS` keys, else through SDPA."""
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (q, k, v))
    if grad and k.shape[-2] <= FEW_KEYS and eager_cpu(q):
        return biased_attention(q, k, v)
    return F.scaled_dot_product_attention(q, k, v)


@fast_form(SpatialReductionAttention)
class FastSpatialReductionAttention(SpatialReductionAttention):
    attend = staticmethod(global_attention)


@fast_form(GlobalAttention)
class FastGlobalAttention(GlobalAttention):
    attend = staticmethod(global_attention)


def _pieces(batch, rows, row_elements):
    """``(samples, row_slice)`` pieces covering a ``batch x rows`` grid, each
    within ``PIECE_ELEMENTS`` logits where a row allows: whole samples where
    one fits, else runs of rows of one sample."""
    rows_per_piece = max(1, PIECE_ELEMENTS // row_elements)
    if rows_per_piece >= rows:
        samples = max(1, rows_per_piece // rows)
        return [(slice(b, b + samples), slice(None))
                for b in range(0, batch, samples)]
    return [(slice(b, b + 1), slice(r, r + rows_per_piece))
            for b in range(batch) for r in range(0, rows, rows_per_piece)]


def row_attention(q, k, v, bias):
    """``ShiftedWindowAttention.attend``: ``q, k, v`` ``(B, R, ..., heads,
    N, d)`` and ``bias`` ``(R, ..., heads, N, M)``; returns ``(B, R, ...,
    N, heads, d)``. Fused where :func:`runs_fused`; in eager CPU execution
    without gradients a piece of rows at a time, concatenated in the
    output's layout."""
    if runs_fused(q):
        return fused_attention(q, k, v, bias).transpose(-3, -2)
    if not eager_cpu(q) or (torch.is_grad_enabled() and q.requires_grad):
        return biased_attention(q, k, v, bias).transpose(-3, -2)
    batch, rows = q.shape[:2]
    row_elements = bias[0].numel()
    pieces = [biased_attention(q[s, r], k[s, r], v[s, r],
                               bias[r]).transpose(-3, -2)
              for s, r in _pieces(batch, rows, row_elements)]
    if len(pieces) == 1:
        return pieces[0]
    if pieces[0].shape[1] == rows:  # whole samples
        return torch.cat(pieces)
    return torch.cat(pieces, 1).view(batch, rows, *pieces[0].shape[2:])


class _GatherTokens(torch.autograd.Function):
    """``tokens.index_select(1, index)`` for an index without repeats,
    whose gradient is therefore a copy back to the same places
    (``index_copy_``), not the accumulation autograd's ``index_add_``
    does."""

    @staticmethod
    def forward(ctx, tokens, index):
        ctx.save_for_backward(index)
        ctx.count = tokens.shape[1]
        return tokens.index_select(1, index)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        grad_tokens = grad.new_zeros(grad.shape[0], ctx.count,
                                     *grad.shape[2:])
        return grad_tokens.index_copy_(1, index, grad), None


def gather_tokens(tokens, index):
    """``ShiftedWindowAttention.gather_tokens``, with a copy for a gradient
    in eager CPU training."""
    if eager_cpu(tokens) and torch.is_grad_enabled():
        return _GatherTokens.apply(tokens, index)
    return tokens.index_select(1, index)


@fast_form(ShiftedWindowAttention)
class FastShiftedWindowAttention(ShiftedWindowAttention):
    attend = staticmethod(row_attention)
    gather_tokens = staticmethod(gather_tokens)
