"""Attention written out, for the windowed mixers and for short key sequences.

``softmax(q k^T / sqrt(d) + bias) v`` where ``bias`` holds relative
position logits and ``-inf`` masks. Written out rather than through SDPA:
with a float mask SDPA takes its math path on the CPU, which adds guards for
fully masked rows (the windowed mixers never have one) and is slower.
Without a bias (:func:`attention`) SDPA's fused kernel is taken except in
CPU training over few keys, where the written-out product is faster.

The bias and the softmax go into the product's own buffer: the logits are
the largest tensor of a windowed mixer (U-Swin's first stage at batch 8:
15 MB), and every further tensor of that size is one more pass through
memory. Without gradients the softmax overwrites its input as well; with
gradients autograd keeps the softmax's output, so that one is a new tensor.
The results are those of the plain expression, bit for bit.
"""
import torch
import torch.nn.functional as F

from ..fused_linear import eager_cpu

# SDPA's CPU flash kernel cuts queries and keys into blocks, which pays for
# long key sequences only: with gradients over a few keys the written-out
# product is faster. Forward+backward, batch 8, 2 threads, 64-channel heads,
# SDPA -> written out: 3136 queries x 49 keys 12.9 -> 10.9 ms, 784 x 49 x 2
# heads 6.1 -> 5.2, 196 x 49 x 5 heads 4.8 -> 3.6, 3136 x 100 20.1 -> 18.7;
# but 784 x 196 x 2 heads 16.7 -> 20.0 and 3136 x 196 32.8 -> 34.6. Without
# gradients SDPA is as fast or faster from 784 queries on, and taking the
# written-out product below that made U-PVT-T inference no faster.
FEW_KEYS = 128


def attention(q, k, v):
    """``softmax(q k^T * d**-0.5) v`` for ``(..., N, d)`` queries and
    ``(..., M, d)`` keys and values: written out in eager CPU training with
    at most :data:`FEW_KEYS` keys, else through SDPA."""
    grad = torch.is_grad_enabled() and any(t.requires_grad for t in (q, k, v))
    if grad and k.shape[-2] <= FEW_KEYS and eager_cpu(q):
        return biased_attention(q, k, v)
    return F.scaled_dot_product_attention(q, k, v)


def biased_attention(q, k, v, bias=None):
    """``softmax(q k^T * d**-0.5 + bias) v``.

    Args:
        q (Tensor): ``(..., N, d)`` queries.
        k, v (Tensor): ``(..., M, d)`` keys and values.
        bias (Tensor, optional): broadcasts to ``(..., N, M)``.
    """
    logits = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1)
    if torch.compiler.is_compiling():  # inductor fuses these
        return (logits if bias is None else logits + bias).softmax(-1) @ v
    if bias is not None:
        logits += bias
    if torch.is_grad_enabled() and logits.requires_grad:
        return logits.softmax(-1) @ v
    return torch.softmax(logits, -1, out=logits) @ v


# Logits per piece without gradients: 2 MiB of float32. Whole, U-Swin's
# first stage makes 15 MB of them per call at batch 8, which stream through
# memory four times; a piece stays in cache from the product through the
# softmax to the product with the values. Measured on U-Swin-T inference
# (batch 8, 2 threads): 0.5, 2 and 8 MiB pieces 1.06x, 1.08x and 1.06x as
# fast as whole; a training step gained nothing at any size (its pieces'
# autograd records cost what the cache saves), so it stays whole.
PIECE_ELEMENTS = 1 << 19


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
    """:func:`biased_attention` for windows on a grid of rows: ``q, k, v``
    ``(B, R, ..., heads, N, d)`` and ``bias`` ``(R, ..., heads, N, M)``;
    returns ``(B, R, ..., N, heads, d)`` (heads next to their channels, as
    the output projection takes them).

    In eager CPU execution without gradients a piece of rows at a time
    (:data:`PIECE_ELEMENTS` logits), the pieces concatenated in the output's
    layout: no tensor of the full logits' size is made and the pieces'
    copies of q, k, v stay in cache. Outputs are those of the whole at
    once."""
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
