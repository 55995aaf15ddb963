"""Gated CNN of MambaOut (U-GatedCNN): Mamba's block without its state
space model."""
import torch
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


@MODELS.register_module()
class GatedCNNMixer(BaseSTM):
    """MambaOut's Gated CNN without its norm and residual (Yu & Wang, 2024):
    one projection makes a gate ``g``, an identity part ``i`` and a
    convolved part ``c``; ``out = fc2(GELU(g) * [i, dwconv(c)])``.

    The split order (gate, identity, convolved) and the widths are the
    authors': ``hidden = int(expansion_ratio * C)``, ``conv_ratio * C``
    channels convolved, the rest of the hidden width passed through.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        expansion_ratio (float): Hidden width over ``embed_dims``. Default
            8/3, which keeps the block's parameters near a Transformer
            block's with MLP ratio 4.
        kernel_size (int): Depth-wise kernel (odd). Default 7.
        conv_ratio (float): Share of ``embed_dims`` convolved. Default 1.
    """

    # the authors' GatedCNNBlock (models/mambaout.py) names its tensors as
    # this mixer does; its norm is the unified block's norm1
    AUTHORS_KEYS = {'fc1.': 'fc1.', 'conv.': 'conv.', 'fc2.': 'fc2.'}
    AUTHORS_OPTIONS = {k: k for k in
                       ('expansion_ratio', 'kernel_size', 'conv_ratio')}

    def __init__(self, embed_dims, num_heads=None, expansion_ratio=8 / 3,
                 kernel_size=7, conv_ratio=1.0, init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('GatedCNNMixer', kernel_size=kernel_size)
        hidden = int(expansion_ratio * embed_dims)
        conv_channels = int(conv_ratio * embed_dims)
        if not 0 < conv_channels <= hidden:
            raise ValueError(
                f'GatedCNNMixer: conv_ratio={conv_ratio} convolves '
                f'{conv_channels} channels; it must be between 1 and the '
                f'hidden width {hidden}')
        self.split_sizes = (hidden, hidden - conv_channels, conv_channels)
        self.fc1 = nn.Linear(embed_dims, 2 * hidden)
        self.conv = nn.Conv2d(conv_channels, conv_channels, kernel_size,
                              padding=kernel_size // 2, groups=conv_channels)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, embed_dims)

    def forward(self, x):
        self.check_input(x)
        gate, identity, conv = self.fc1(x).split(self.split_sizes, dim=-1)
        conv = self.conv(conv.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.fc2(self.act(gate) * torch.cat((identity, conv), -1))

