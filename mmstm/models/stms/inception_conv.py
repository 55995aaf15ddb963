"""Inception depth-wise convolution of InceptionNeXt (U-InceptionNeXt)."""
import torch
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


class InceptionDepthwiseConv(nn.Module):
    """InceptionNeXt's operator on a channels-first map: the channels split
    into an identity part and three depth-wise branches of ``int(C *
    branch_ratio)`` channels each, a small square kernel, a horizontal band
    ``1 x band`` and a vertical band ``band x 1``, concatenated back in that
    order (Yu et al., 2024)."""

    def __init__(self, channels, square_kernel_size=3, band_kernel_size=11,
                 branch_ratio=0.125):
        super().__init__()
        branch = int(channels * branch_ratio)
        if not 0 < 3 * branch <= channels:
            raise ValueError(
                f'InceptionDepthwiseConv: branch_ratio={branch_ratio} gives '
                f'branches of {branch} of {channels} channels; three '
                f'branches must have at least one channel and fit')
        self.split_sizes = (channels - 3 * branch, branch, branch, branch)
        band = band_kernel_size

        def depthwise(kernel, padding):
            return nn.Conv2d(branch, branch, kernel, padding=padding,
                             groups=branch)

        self.dwconv_hw = depthwise(square_kernel_size, square_kernel_size // 2)
        self.dwconv_w = depthwise((1, band), (0, band // 2))
        self.dwconv_h = depthwise((band, 1), (band // 2, 0))

    def forward(self, x):
        identity, square, wide, tall = x.split(self.split_sizes, dim=1)
        return torch.cat((identity, self.dwconv_hw(square),
                          self.dwconv_w(wide), self.dwconv_h(tall)), dim=1)


@MODELS.register_module()
class InceptionConvMixer(BaseSTM):
    """1x1 input projection -> inception depth-wise convolution -> 1x1
    output projection: U-ConvNeXt's mixer with InceptionNeXt's operator in
    place of its 7x7 depth-wise kernel, so the two differ in the spatial
    operator only. ``projections=False`` leaves the bare operator of the
    authors' ``MetaNeXtBlock``.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        square_kernel_size (int): The square branch's kernel (odd). Default 3.
        band_kernel_size (int): The band branches' length (odd). Default 11.
        branch_ratio (float): Channels of each branch over ``embed_dims``.
            Default 0.125.
        projections (bool): The 1x1 projections around the operator.
            Default True.
    """

    # the authors' InceptionDWConv2d (models/inceptionnext.py) is the
    # operator inside the projections
    AUTHORS_KEYS = {'dwconv_hw.': 'inception.dwconv_hw.',
                    'dwconv_w.': 'inception.dwconv_w.',
                    'dwconv_h.': 'inception.dwconv_h.'}
    AUTHORS_OPTIONS = {k: k for k in ('square_kernel_size', 'band_kernel_size',
                                      'branch_ratio')}

    def __init__(self, embed_dims, num_heads=None, square_kernel_size=3,
                 band_kernel_size=11, branch_ratio=0.125, projections=True,
                 init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('InceptionConvMixer', square_kernel_size=square_kernel_size,
                  band_kernel_size=band_kernel_size)
        self.input_proj = nn.Linear(embed_dims, embed_dims) if projections \
            else nn.Identity()
        self.inception = InceptionDepthwiseConv(
            embed_dims, square_kernel_size, band_kernel_size, branch_ratio)
        self.output_proj = nn.Linear(embed_dims, embed_dims) if projections \
            else nn.Identity()

    @classmethod
    def authors_options(cls, init_args):
        """The bare operator (the authors' module has no projections) with
        the authors' kernel sizes and branch ratio."""
        return dict(super().authors_options(init_args), projections=False)

    def forward(self, x):
        self.check_input(x)
        x = self.input_proj(x)
        x = self.inception(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        return self.output_proj(x)
