"""Mamba-like linear attention of MLLA (U-MLLA)."""
import torch
import torch.nn.functional as F
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM
from .mechanics import ShapeCache


def rope_rotations(height, width, channels, device, base=10000):
    """``(cos, sin)`` of the 2-D rotary embedding MLLA applies to all
    channels before they are split into heads, each ``(H, W, C / 2)``: the
    pair of channels ``(2p, 2p + 1)`` turns by ``row * w_p`` for the first
    ``C / 4`` pairs and by ``col * w_(p - C/4)`` for the rest, ``w_t =
    base ** (-t / (C / 4))``."""
    quarter = channels // 4
    freqs = 1 / (base ** (torch.arange(quarter) / quarter))
    rows = torch.arange(height)[:, None, None] * freqs
    cols = torch.arange(width)[None, :, None] * freqs
    angles = torch.cat((rows.expand(height, width, quarter),
                        cols.expand(height, width, quarter)), dim=-1)
    return angles.cos().to(device), angles.sin().to(device)


def rotate(x, cos, sin):
    """Each channel pair ``(a, b)`` of ``x`` (B, H, W, C) as ``a + ib``
    times ``cos + i sin``; in float32, as MLLA computes it."""
    a, b = x.float().unflatten(-1, (-1, 2)).unbind(-1)
    return torch.stack((a * cos - b * sin, a * sin + b * cos), -1).flatten(-2)


@MODELS.register_module()
class MambaLikeLinearAttention(BaseSTM):
    """MLLA's mixer (Han et al., 2024): linear attention given the parts of
    Mamba's block that make it work, the input/forget-like gate and the
    depth-wise convolution before it, and a position encoding.

    ``y = SiLU(dwconv(in_proj(x)))``; linear attention over ``y`` with
    ``q, k = ELU(qk(y)) + 1`` and ``v = y``, RoPE on ``q`` and ``k`` (every
    channel, before the head split), normalised by the un-rotated ``q`` and
    the mean ``k``, plus a depth-wise LePE of ``v``; ``out_proj(attention *
    SiLU(act_proj(x)))``. The rotations depend on the map's size only and
    are built for any ``H x W``, as MLLA's downstream backbones do.

    MLLA's block also adds a depth-wise 3x3 conditional position encoding
    to the residual stream before each of its two residual branches; the
    unified block has no such term (see docs/differences.md).

    Args:
        embed_dims (int): Channels (a multiple of 4 for RoPE's row and
            column halves).
        num_heads (int): Heads of the linear attention.
        qkv_bias (bool): Bias of the query/key projection. Default True.
    """

    # the authors' MLLABlock (models/mlla.py) between norm1 and the first
    # residual; the RoPE table is derived from the input's size here
    AUTHORS_KEYS = {'in_proj.': 'in_proj.', 'act_proj.': 'act_proj.',
                    'dwc.': 'dwc.', 'attn.qk.': 'qk.', 'attn.lepe.': 'lepe.',
                    'attn.rope.': None, 'out_proj.': 'out_proj.'}
    AUTHORS_OPTIONS = {'num_heads': 'num_heads', 'qkv_bias': 'qkv_bias'}

    def __init__(self, embed_dims, num_heads, qkv_bias=True, init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        if embed_dims % 4:
            raise ValueError(f'MambaLikeLinearAttention needs embed_dims '
                             f'divisible by 4 (RoPE), got {embed_dims}')
        self.in_proj = nn.Linear(embed_dims, embed_dims)
        self.act_proj = nn.Linear(embed_dims, embed_dims)
        self.dwc = nn.Conv2d(embed_dims, embed_dims, 3, padding=1,
                             groups=embed_dims)
        self.act = nn.SiLU()
        self.qk = nn.Linear(embed_dims, 2 * embed_dims, bias=qkv_bias)
        self.lepe = nn.Conv2d(embed_dims, embed_dims, 3, padding=1,
                              groups=embed_dims)
        self.out_proj = nn.Linear(embed_dims, embed_dims)
        self._rotations = ShapeCache()

    def forward(self, x):
        self.check_input(x)
        gate = self.act(self.act_proj(x))
        y = self.dwc(self.in_proj(x).permute(0, 3, 1, 2))
        y = self.act(y).permute(0, 2, 3, 1)
        return self.out_proj(self.attend(y) * gate)

    def attend(self, x):
        """Linear attention with RoPE and LePE over ``x`` (B, H, W, C)."""
        batch, height, width, channels = x.shape
        tokens = height * width
        cos, sin = self._rotations.get(
            (height, width, x.device), rope_rotations, height, width,
            channels, x.device)
        q, k = (F.elu(self.qk(x)) + 1).chunk(2, dim=-1)
        q_rope, k_rope = rotate(q, cos, sin), rotate(k, cos, sin)

        def heads(t):
            return t.reshape(batch, tokens, self.num_heads, -1).transpose(1, 2)

        q, k, v, q_rope, k_rope = map(heads, (q, k, x, q_rope, k_rope))
        scale = tokens**-0.5
        normaliser = 1 / (q @ k.mean(dim=-2, keepdim=True).transpose(-2, -1)
                          + 1e-6)
        kv = (k_rope.transpose(-2, -1) * scale) @ (v * scale)
        out = (q_rope @ kv * normaliser).transpose(1, 2)
        out = out.reshape(batch, height, width, channels)
        lepe = self.lepe(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return out + lepe
