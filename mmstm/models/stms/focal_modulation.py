"""Focal modulation of FocalNet (U-FocalNet)."""
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


@MODELS.register_module()
class FocalModulation(BaseSTM):
    """Focal modulation (Yang et al., 2022): a query ``q`` is multiplied by a
    modulator gathered from its surroundings at ``focal_level`` growing
    scales plus the whole map.

    One projection gives ``q``, a context ``ctx`` and ``focal_level + 1``
    gates. Each level convolves the previous level's context (depth-wise,
    kernel ``focal_window + focal_factor * l``, GELU), so the levels see
    ever wider neighbourhoods; the last level averaged over the map (GELU)
    is the global context. The gated sum of all levels, mixed over channels
    by a 1x1 layer ``h``, modulates ``q``; ``proj`` mixes the result.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        focal_window (int): Kernel of the first level (odd). Default 3.
        focal_level (int): Number of local levels. Default 2 (FocalNet's
            "srf" models; "lrf" uses 3).
        focal_factor (int): Kernel growth per level (even). Default 2.
        normalize_modulator (bool): Divide the gated sum by the number of
            levels. Default False.
        use_postln_in_modulation (bool): LayerNorm the modulated query
            before ``proj``. Default False.
        bias (bool): Biases of ``f`` and ``h``. Default True.
    """

    # the authors' FocalModulation (classification/focalnet.py) names its
    # tensors as this mixer does
    AUTHORS_KEYS = {'f.': 'f.', 'h.': 'h.', 'proj.': 'proj.',
                    'focal_layers.': 'focal_layers.', 'ln.': 'ln.'}
    AUTHORS_OPTIONS = {k: k for k in (
        'focal_window', 'focal_level', 'focal_factor', 'normalize_modulator',
        'use_postln_in_modulation', 'bias')}

    def __init__(self, embed_dims, num_heads=None, focal_window=3,
                 focal_level=2, focal_factor=2, normalize_modulator=False,
                 use_postln_in_modulation=False, bias=True,
                 init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('FocalModulation', focal_window=focal_window)
        if focal_level < 1 or focal_factor % 2:
            raise ValueError(
                f'FocalModulation needs focal_level >= 1 and an even '
                f'focal_factor, got {focal_level} and {focal_factor}')
        self.focal_level = focal_level
        self.normalize_modulator = normalize_modulator
        self.f = nn.Linear(embed_dims, 2 * embed_dims + focal_level + 1,
                           bias=bias)
        self.focal_layers = nn.ModuleList()
        for level in range(focal_level):
            kernel = focal_window + focal_factor * level
            self.focal_layers.append(nn.Sequential(
                nn.Conv2d(embed_dims, embed_dims, kernel, padding=kernel // 2,
                          groups=embed_dims, bias=False),
                nn.GELU()))
        self.act = nn.GELU()
        self.h = nn.Conv2d(embed_dims, embed_dims, 1, bias=bias)
        self.ln = nn.LayerNorm(embed_dims) if use_postln_in_modulation \
            else nn.Identity()
        self.proj = nn.Linear(embed_dims, embed_dims)

    def forward(self, x):
        self.check_input(x)
        channels = x.shape[-1]
        q, ctx, gates = self.f(x).permute(0, 3, 1, 2).split(
            (channels, channels, self.focal_level + 1), dim=1)
        modulator = 0
        for level, layer in enumerate(self.focal_layers):
            ctx = layer(ctx)
            modulator = modulator + ctx * gates[:, level:level + 1]
        ctx_global = self.act(ctx.mean((2, 3), keepdim=True))
        modulator = modulator + ctx_global * gates[:, self.focal_level:]
        if self.normalize_modulator:
            modulator = modulator / (self.focal_level + 1)
        out = (q * self.h(modulator)).permute(0, 2, 3, 1)
        return self.proj(self.ln(out))
