"""2-D selective scan (VMamba's SS2D) of the unified VMamba (U-VMamba)."""
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.checkpoint import checkpoint

from mmstm.registry import MODELS

from ..utils.recording import recording_graph
from .base import BaseSTM

DIRECTIONS = 4  # row-major, column-major, and both reversed
# States (batch x groups x channels x length x state size) above which the
# scan is recomputed in the backward pass instead of keeping its
# intermediates (about ten tensors of that size), as Mamba's kernel does.
RECOMPUTE_ABOVE = 2**23


def _doubling_scan(decay, drive):
    """Inclusive scan of ``x_t = decay_t x_{t-1} + drive_t`` along dim -2
    from ``x = 0`` by doubling, ``log2(T)`` passes, in place on copies
    (``drive`` may have leading dims more than ``decay``: scanned alike).
    Returns the running products of ``decay`` and the states."""
    decay, drive = decay.clone(), drive.clone()
    span = 1
    while span < decay.shape[-2]:
        # (decay, drive)_t <- (decay, drive)_{t-span} followed by _t, both
        # from the previous pass's values
        drive[..., span:, :] += decay[..., span:, :] * drive[..., :-span, :]
        decay[..., span:, :] = decay[..., span:, :] * decay[..., :-span, :]
        span *= 2
    return decay, drive


class _LinearScan(torch.autograd.Function):
    """:func:`_doubling_scan` with its gradient written out: the adjoint of
    a linear recurrence is the same recurrence run backwards, ``l_t = g_t
    + decay_{t+1} l_{t+1}``, so the backward pass is one more scan instead
    of the autograd graph of every doubling pass (several times the
    memory traffic)."""

    @staticmethod
    def forward(ctx, decay, drive):
        products, states = _doubling_scan(decay, drive)
        ctx.save_for_backward(decay, products, states)
        return products, states

    @staticmethod
    def backward(ctx, grad_products, grad_states):
        decay, products, states = ctx.saved_tensors
        grads = torch.stack([
            torch.zeros_like(states) if g is None else g
            for g in (grad_states, grad_products)])
        # reversed in time, step t is scaled by decay_{t+1}
        later_decay = F.pad(decay[..., 1:, :], (0, 0, 0, 1)).flip(-2)
        _, adjoints = _doubling_scan(later_decay, grads.flip(-2))
        state_adjoint, product_adjoint = adjoints.flip(-2)
        earlier_states = F.pad(states[..., :-1, :], (0, 0, 1, 0))
        earlier_products = F.pad(products[..., :-1, :], (0, 0, 1, 0),
                                 value=1.0)
        grad_decay = state_adjoint * earlier_states + \
            product_adjoint * earlier_products
        return grad_decay, state_adjoint


def _chunked_scan(u, delta, A, B, C, chunk_size):
    """:func:`selective_scan` without ``D``: every chunk scanned in
    parallel from a zero state, then the state each chunk inherits from the
    ones before it added as a sum of their end states weighted by the decay
    in between, ``exp(sum of delta A)`` taken in log space (at most 1, no
    overflow). The number of chunks is a size, not a Python loop, so
    torch.compile traces it once for every length."""
    length = u.shape[-1]
    if recording_graph():
        # always some padding (a whole chunk at multiples): the output is
        # then a cut of the padded one at every length, one layout for
        # every size torch.compile sees
        pad = chunk_size - length % chunk_size
    else:
        # no more steps than the sequence has: short sequences (the last
        # stages) would otherwise be scanned padded to a whole chunk
        chunk_size = min(chunk_size, length)
        pad = -length % chunk_size
    # (..., chunks, T); a view, not unflatten: an exported graph keeps the
    # number of chunks dynamic
    u, delta, B, C = (F.pad(t, (0, pad)).view(*t.shape[:-1], -1,
                                                chunk_size)
                      for t in (u, delta, B, C))
    B, C = (t.permute(0, 1, 3, 4, 2)[:, :, None] for t in (B, C))
    delta = delta[..., None]  # (b, G, c, chunks, T, 1)
    log_decay = delta * A[:, :, None, None]  # (b, G, c, chunks, T, n)
    decay, local = _LinearScan.apply(torch.exp(log_decay),
                                     delta * B * u[..., None])
    chunk_log = log_decay.sum(-2).cumsum(-2)  # (b, G, c, chunks, n)
    between = chunk_log[..., :, None, :] - chunk_log[..., None, :, :]
    later = torch.ones(between.shape[-3:-1], dtype=torch.bool,
                       device=u.device).tril()
    weights = between.masked_fill(~later[..., None], float('-inf')).exp()
    ends = (weights * local[..., None, :, -1, :]).sum(-2)  # after chunk c
    incoming = F.pad(ends[..., :-1, :], (0, 0, 1, 0))
    hidden = local + decay * incoming[..., None, :]
    return (hidden * C).sum(-1).flatten(-2)[..., :length]


def selective_scan(u, delta, A, B, C, D, chunk_size=64):
    """Mamba's selective scan, ``h_t = exp(delta_t A) h_{t-1} + delta_t B_t
    u_t``, ``y_t = C_t h_t + D u_t`` from ``h_0 = 0``, for ``G`` independent
    groups of sequences.

    The sequence is cut into chunks of ``chunk_size`` steps, each solved by a
    parallel (doubling) prefix scan, ``log2(chunk_size)`` passes, and joined
    in log space (:func:`_chunked_scan`). When gradients are needed for
    more than ``RECOMPUTE_ABOVE`` states, the scan is recomputed in the
    backward pass (as Mamba's kernel does) instead of keeping its
    ``(batch, G, channels, L, state)`` intermediates.

    Args:
        u, delta: ``(batch, G, channels, L)``.
        A: ``(G, channels, state)`` (negative: decay).
        B, C: ``(batch, G, state, L)``.
        D: ``(G, channels)``.

    Returns:
        ``(batch, G, channels, L)``.
    """
    args = (u, delta, A, B, C, chunk_size)
    recompute = u.numel() * A.shape[-1] > RECOMPUTE_ABOVE
    if recompute and torch.is_grad_enabled() and any(
            t.requires_grad for t in (u, delta, A, B, C)):
        out = checkpoint(_chunked_scan, *args, use_reentrant=False)
    else:
        out = _chunked_scan(*args)
    return out + D[..., None] * u


@MODELS.register_module()
class SelectiveScan2D(BaseSTM):
    """VMamba's SS2D: a linear projection to an inner width and a gate; the
    inner map through a depth-wise conv and SiLU, then scanned as four
    sequences (row-major, column-major and both reversed) by a selective
    state-space model whose step ``delta``, input matrix ``B`` and output
    matrix ``C`` depend on the token; the four outputs merged back onto the
    map, LayerNorm, gated by ``SiLU(z)``, projected back.

    With ``d_state=1, ssm_ratio=1`` (the arena's setting) it has the sizes
    of VMamba v2's small models, not their exact operator: those drop the
    ``SiLU(z)`` gate (forward type ``v05_noz``) and have no biases in their
    projections, while this mixer keeps the gate and has projection biases.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        d_state (int): State size ``N`` per channel. Default 16.
        ssm_ratio (float): Inner width over ``embed_dims``. Default 2.
        dt_rank (int | str): Rank of the ``delta`` projection; ``'auto'``:
            ``ceil(embed_dims / 16)``.
        conv_kernel (int): Depth-wise conv before the scan. Default 3.
        dt_min, dt_max, dt_init_floor (float): Range of the initial steps.
        chunk_size (int): Steps scanned in parallel: longer chunks take
            more passes (log2 of it), fewer chunks take less memory to join
            (the square of their number).
    """

    # Detection and segmentation maps are long sequences; joining the chunks
    # takes memory in the square of their number, so the downstream form
    # scans longer chunks (an 800x1333 image: 261 chunks at stage 1 instead
    # of 1041).
    DOWNSTREAM_OPTIONS = dict(chunk_size=256)

    def __init__(self, embed_dims, num_heads=None, d_state=16,
                 ssm_ratio=2.0, dt_rank='auto', conv_kernel=3, dt_min=0.001,
                 dt_max=0.1, dt_init_floor=1e-4, chunk_size=64,
                 init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        inner = int(ssm_ratio * embed_dims)
        self.dt_rank = math.ceil(embed_dims / 16) if dt_rank == 'auto' \
            else dt_rank
        self.d_state, self.chunk_size = d_state, chunk_size
        self.dt_range = (dt_min, dt_max, dt_init_floor)
        self.in_proj = nn.Linear(embed_dims, 2 * inner)
        self.conv = nn.Conv2d(inner, inner, conv_kernel,
                              padding=conv_kernel // 2, groups=inner)
        self.x_proj_weight = nn.Parameter(
            torch.empty(DIRECTIONS, self.dt_rank + 2 * d_state, inner))
        self.dt_projs_weight = nn.Parameter(
            torch.empty(DIRECTIONS, inner, self.dt_rank))
        self.dt_projs_bias = nn.Parameter(torch.empty(DIRECTIONS, inner))
        self.A_logs = nn.Parameter(torch.empty(DIRECTIONS, inner, d_state))
        self.Ds = nn.Parameter(torch.empty(DIRECTIONS, inner))
        self.norm = nn.LayerNorm(inner)
        self.out_proj = nn.Linear(inner, embed_dims)
        self.init_weights()

    @torch.no_grad()
    def init_weights(self):
        """VMamba's initialisation of the state-space parameters: ``A =
        -(1..N)``, ``D = 1``, steps log-uniform in ``[dt_min, dt_max]``
        (through the bias, the inverse of softplus), the projections uniform
        in ``+-1/sqrt(fan_in)``."""
        inner = self.Ds.shape[-1]
        nn.init.uniform_(self.x_proj_weight, -inner**-0.5, inner**-0.5)
        nn.init.uniform_(self.dt_projs_weight, -self.dt_rank**-0.5,
                         self.dt_rank**-0.5)
        dt_min, dt_max, floor = self.dt_range
        dt = torch.exp(torch.rand_like(self.dt_projs_bias) *
                       (math.log(dt_max) - math.log(dt_min)) +
                       math.log(dt_min)).clamp(min=floor)
        self.dt_projs_bias.copy_(dt + torch.log(-torch.expm1(-dt)))
        states = torch.arange(1, self.d_state + 1, dtype=torch.float32)
        self.A_logs.copy_(torch.log(states).expand_as(self.A_logs))
        self.Ds.fill_(1.0)

    def scan_sequences(self, x):
        """``(B, C, H, W)`` -> ``(B, 4, C, H*W)``: row-major, column-major,
        and both reversed."""
        rows = x.flatten(2)
        cols = x.transpose(2, 3).flatten(2)
        forward = torch.stack([rows, cols], 1)
        return torch.cat([forward, forward.flip(-1)], 1)

    def merge_sequences(self, y, height, width):
        """The inverse of :meth:`scan_sequences`, the four summed:
        ``(B, 4, C, H*W)`` -> ``(B, C, H*W)`` in row-major order."""
        y = y[:, :2] + y[:, 2:].flip(-1)
        cols = y[:, 1].unflatten(-1, (width, height)).transpose(2, 3)
        return y[:, 0] + cols.flatten(2)

    def largest_elements_per_sample(self, x):
        """The scan's states: one per direction, inner channel, step and
        state dimension."""
        return DIRECTIONS * self.Ds.shape[-1] * x.shape[1] * x.shape[2] * \
            self.d_state

    def forward(self, x):
        self.check_input(x)
        batch, height, width, _ = x.shape
        x, gate = self.in_proj(x).chunk(2, dim=-1)
        x = F.silu(self.conv(x.permute(0, 3, 1, 2)))
        sequences = self.scan_sequences(x)  # (B, 4, D, L)
        projected = self.x_proj_weight @ sequences  # (B, 4, R + 2N, L)
        dt, B, C = projected.split(
            [self.dt_rank, self.d_state, self.d_state], dim=2)
        dt = self.dt_projs_weight @ dt  # (B, 4, D, L)
        delta = F.softplus(dt + self.dt_projs_bias[..., None])
        y = selective_scan(sequences, delta, -torch.exp(self.A_logs), B, C,
                           self.Ds, self.chunk_size)
        y = self.merge_sequences(y, height, width).transpose(1, 2)
        y = self.norm(y.reshape(batch, height, width, -1))
        return self.out_proj(y * F.silu(gate))
