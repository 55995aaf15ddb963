"""Heat conduction operator of vHeat (U-vHeat)."""
import math

import torch
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from mmstm.registry import MODELS

from ..utils.recording import recording_graph
from .base import BaseSTM
from .mechanics import ShapeCache


def dct_matrix(size):
    """The orthonormal DCT-II matrix ``(frequency, position)`` of a line of
    ``size``: ``cos((t + 0.5) / N * n * pi) * sqrt(2 / N)``, row 0 divided
    by ``sqrt(2)``; its transpose is the inverse. (``arange``, not vHeat's
    ``linspace``, which would make ``torch.compile`` specialise on sizes.)"""
    positions = (torch.arange(size, dtype=torch.float32) + 0.5) / size
    frequencies = torch.arange(size, dtype=torch.float32)[:, None]
    matrix = torch.cos(frequencies * positions * torch.pi) * (2 / size)**0.5
    matrix[0] /= math.sqrt(2)
    return matrix


def heat_geometry(height, width, device):
    """DCT matrices of both sides and the decay ``exp(-(w_n^2 + w_m^2))``
    of every frequency ``(n, m)``, ``w_n = n * pi / H``."""
    omega_h = torch.arange(height, dtype=torch.float32) * (torch.pi / height)
    omega_w = torch.arange(width, dtype=torch.float32) * (torch.pi / width)
    decay = torch.exp(-(omega_h[:, None]**2 + omega_w[None, :]**2))
    return (dct_matrix(height).to(device), dct_matrix(width).to(device),
            decay.to(device))


@MODELS.register_module()
class HeatConduction(BaseSTM):
    """vHeat's heat conduction operator (Wang et al., 2025): the tokens are
    a temperature field that diffuses for unit time, solved in closed form
    in the frequency domain. ``u = dwconv`` then ``linear`` (with a gate
    ``z``); ``U = DCT(u)``; each frequency decays by ``exp(-(w_n^2 +
    w_m^2)) ** k``, with the conductivity ``k = to_k(E) >= 0`` read from a
    learned frequency embedding ``E``; ``out_linear(LN(IDCT(U)) *
    SiLU(z))``.

    ``E`` is learned at ``freq_size x freq_size`` (the map size the model is
    trained at); for a map of another size it is resized bicubically on
    every forward, as vHeat's detection and segmentation backbones do. vHeat
    shares one ``E`` among the blocks of a stage; here each block has its
    own (a mixer owns its parameters; see docs/differences.md).

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        freq_size (int): Side of the frequency embedding. Default 14 (the
            third stage at 224x224).
    """

    # the authors' Heat2D (classification/models/vHeat.py) names its
    # tensors as this mixer does; its freq_embed is the network's, per stage
    AUTHORS_KEYS = {k: k for k in ('dwconv.', 'linear.', 'out_norm.',
                                   'out_linear.', 'to_k.')}
    AUTHORS_OUTSIDE = ('freq_embed',)
    AUTHORS_OPTIONS = {'res': 'freq_size'}

    def __init__(self, embed_dims, num_heads=None, freq_size=14,
                 init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        if freq_size < 1:
            raise ValueError(f'HeatConduction: freq_size must be positive, '
                             f'got {freq_size}')
        self.dwconv = nn.Conv2d(embed_dims, embed_dims, 3, padding=1,
                                groups=embed_dims)
        self.linear = nn.Linear(embed_dims, 2 * embed_dims)
        self.freq_embed = nn.Parameter(
            torch.zeros(freq_size, freq_size, embed_dims))
        trunc_normal_(self.freq_embed, std=.02)
        self.to_k = nn.Sequential(nn.Linear(embed_dims, embed_dims),
                                  nn.ReLU())
        self.out_norm = nn.LayerNorm(embed_dims)
        self.out_linear = nn.Linear(embed_dims, embed_dims)
        self._geometry = ShapeCache()

    def frequency_embedding(self, height, width):
        """``E`` at ``(height, width)``, ``(H, W, C)``."""
        embed = self.freq_embed
        if embed.shape[:2] == (height, width) and not recording_graph():
            return embed
        embed = F.interpolate(embed.permute(2, 0, 1)[None],
                              size=(height, width), mode='bicubic',
                              align_corners=False)
        return embed[0].permute(1, 2, 0)

    def forward(self, x):
        self.check_input(x)
        height, width = x.shape[1:3]
        x = self.dwconv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        u, z = self.linear(x).chunk(2, dim=-1)
        dct_h, dct_w, decay = (t.to(u.dtype) for t in self._geometry.get(
            (height, width, u.device), heat_geometry, height, width,
            u.device))
        # one side at a time (a joint contraction would build H^2 W^2)
        spectrum = torch.einsum('mw,bnwc->bnmc', dct_w,
                                torch.einsum('nh,bhwc->bnwc', dct_h, u))
        conductivity = self.to_k(self.frequency_embedding(height, width))
        spectrum = spectrum * decay[:, :, None]**conductivity
        u = torch.einsum('nh,bnwc->bhwc', dct_h,
                         torch.einsum('mw,bnmc->bnwc', dct_w, spectrum))
        return self.out_linear(self.out_norm(u) * F.silu(z))
