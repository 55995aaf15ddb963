"""Depth-wise convolution mixer of the unified ConvNeXt (U-ConvNeXt)."""
import torch
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


@MODELS.register_module()
class DepthwiseConvMixer(BaseSTM):
    """1x1 input projection -> k x k depth-wise conv -> 1x1 output projection
    (U-ConvNeXt); ``projections=False`` leaves the bare depth-wise conv of
    the original ConvNeXt block.

    The projections are linear layers on the channels-last tensor; the
    depth-wise convolution runs on a channels-last-strided NCHW view, so no
    copy is made to switch layouts. Zero padding of ``kernel_size // 2``
    keeps any ``H, W``.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        kernel_size (int): Size of the depth-wise kernel (odd). Default 7.
        projections (bool): The 1x1 projections around the conv. Default True.
    """

    # Official U-ConvNeXt block names (backbones/official_weights.py).
    OFFICIAL_BLOCK_KEYS = {
        'dw_norm': 'norm1',
        'dw_input_proj': 'stm.input_proj',
        'dwconv': 'stm.dwconv',
        'dw_out_proj': 'stm.output_proj',
        'pw_norm': 'norm2',
        'pwconv1': 'mlp.fc1',
        'pwconv2': 'mlp.fc2',
    }

    def __init__(self, embed_dims, num_heads=None, kernel_size=7,
                 projections=True, init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('DepthwiseConvMixer', kernel_size=kernel_size)
        self.input_proj = nn.Linear(embed_dims, embed_dims) if projections \
            else nn.Identity()
        self.dwconv = nn.Conv2d(
            embed_dims, embed_dims, kernel_size, padding=kernel_size // 2,
            groups=embed_dims)
        self.output_proj = nn.Linear(embed_dims, embed_dims) if projections \
            else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_input(x)
        x = self.input_proj(x)
        x = self.dwconv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.output_proj(x)
