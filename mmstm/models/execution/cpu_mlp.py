"""The MLP on the CPU a slab of tokens at a time.

At the first stages the MLP's hidden layer is the largest tensor of the
network. Each such tensor costs more than its product: glibc serves large
blocks by a fresh ``mmap``, so every call page-faults and zero-fills it, and
it streams through memory between the two products, GELU and their
gradients. Taking a slab of tokens through the whole MLP at once
keeps the hidden layer at ``SLAB_ELEMENTS`` and in cache, and gives the
same outputs to float rounding (the weight gradients are summed over slabs).

Training runs through :class:`_SlabbedMLP`, whose backward recomputes a
slab's hidden layer instead of storing it where the input is narrow (one
more product of ``in_features`` terms, cheaper than writing and reading the
hidden layer back), and stores only the pre-activation elsewhere (half of
what autograd would keep: it also keeps GELU's output). Only on CPU float32
outside autocast and ``torch.compile`` (which plans memory itself), and only
where a tensor is large enough for it to pay; the GPU keeps the plain MLP.
"""
import torch
import torch.nn.functional as F
from torch import nn
from torch.autograd.function import once_differentiable

from ..blocks import MLP
from .cpu_linear import eager_cpu, fusable, fused, linear_gelu, needs_grad
from .switch import fast_form

# hidden elements per slab: 4 MiB of float32, held in cache
SLAB_ELEMENTS = 1 << 20
# smallest hidden layers worth slabbing: in training, where the gradient and
# GELU's output stream through memory too, smaller than without gradients
MIN_HIDDEN_ELEMENTS = dict(grad=4 * SLAB_ELEMENTS, no_grad=8 * SLAB_ELEMENTS)
# inputs narrower than this recompute the hidden layer in the backward (its
# product costs less than storing it and reading it back)
RECOMPUTE_BELOW_IN_FEATURES = 128


def slab_rows(x, fc1, fc2, grad):
    """Tokens per slab for the MLP ``fc1``, ``fc2`` on ``x`` (``grad``:
    whether a gradient is wanted), or 0 where the plain MLP should run (not
    eager CPU float32, too small to pay)."""
    plain = (x.dtype != torch.float32 or fc1.weight.dtype != torch.float32
             or fc1.bias is None or fc2.bias is None or not eager_cpu(x))
    tokens = x.numel() // x.shape[-1]
    least = MIN_HIDDEN_ELEMENTS['grad' if grad else 'no_grad']
    if plain or tokens * fc1.out_features < least:
        return 0
    return max(1, SLAB_ELEMENTS // fc1.out_features)


def mlp(x, fc1, fc2):
    """``fc2(gelu(fc1(x)))`` (exact GELU) for ``x`` of any leading shape, a
    slab of tokens at a time where :func:`slab_rows` says so."""
    grad = needs_grad(x, fc1, fc2)
    rows = slab_rows(x, fc1, fc2, grad)
    if not rows:
        return fc2(linear_gelu(x, fc1))
    tokens = x.reshape(-1, x.shape[-1])
    if grad:
        out = _SlabbedMLP.apply(tokens, fc1.weight, fc1.bias, fc2.weight,
                                fc2.bias, rows)
    else:
        kernel = fusable(tokens, fc1) and fusable(tokens, fc2)
        out = tokens.new_empty(tokens.shape[0], fc2.out_features)
        for start in range(0, tokens.shape[0], rows):
            slab = tokens[start:start + rows]
            out[start:start + rows] = fused(fused(slab, fc1, 'gelu'), fc2) \
                if kernel else fc2(F.gelu(fc1(slab)))
    return out.view(*x.shape[:-1], fc2.out_features)


class _SlabbedMLP(torch.autograd.Function):
    """``fc2(gelu(fc1(x)))`` on ``(N, C)`` tokens with both biases, a slab
    of ``rows`` tokens at a time, forward and backward."""

    @staticmethod
    def forward(ctx, x, w1, b1, w2, b2, rows):
        recompute = x.shape[1] < RECOMPUTE_BELOW_IN_FEATURES
        out = x.new_empty(x.shape[0], w2.shape[0])
        hidden = None if recompute else x.new_empty(x.shape[0], w1.shape[0])
        for start in range(0, x.shape[0], rows):
            stop = start + rows
            pre = torch.addmm(b1, x[start:stop], w1.t(),
                              out=None if recompute else hidden[start:stop])
            torch.addmm(b2, F.gelu(pre), w2.t(), out=out[start:stop])
        ctx.rows = rows
        ctx.save_for_backward(x, w1, b1, w2, hidden)
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, w1, b1, w2, hidden = ctx.saved_tensors
        need_x, need_w1, need_b1, need_w2, need_b2, _ = ctx.needs_input_grad
        grad_x = torch.empty_like(x) if need_x else None
        grad_w1 = torch.zeros_like(w1) if need_w1 else None
        grad_b1 = torch.zeros_like(b1) if need_b1 else None
        grad_w2 = torch.zeros_like(w2) if need_w2 else None
        grad_b2 = grad_out.sum(0) if need_b2 else None
        grad_out = grad_out.contiguous()
        for start in range(0, x.shape[0], ctx.rows):
            stop = start + ctx.rows
            x_slab, grad_slab = x[start:stop], grad_out[start:stop]
            pre = torch.addmm(b1, x_slab, w1.t()) if hidden is None \
                else hidden[start:stop]
            if need_w2:
                grad_w2.addmm_(grad_slab.t(), F.gelu(pre))
            grad_pre = torch.ops.aten.gelu_backward(grad_slab @ w2, pre)
            if need_b1:
                grad_b1 += grad_pre.sum(0)
            if need_w1:
                grad_w1.addmm_(grad_pre.t(), x_slab)
            if need_x:
                torch.mm(grad_pre, w1, out=grad_x[start:stop])
        return grad_x, grad_w1, grad_b1, grad_w2, grad_b2, None


@fast_form(MLP)
class SlabbedMLP(MLP):
    """The MLP a slab of tokens at a time (:func:`mlp`) where its
    activation is exact GELU."""

    def forward(self, x):
        if type(self.act) is nn.GELU and self.act.approximate == 'none':
            return mlp(x, self.fc1, self.fc2)
        return super().forward(x)
