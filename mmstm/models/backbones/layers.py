"""Stems and downsampling layers of the backbone: the unified ones and the
original designs the paper starts from (Swin, ConvNeXt), selectable by name
so that "original vs unified" is a config switch.

All take and return channels-last maps, except stems, which take NCHW
images. Every variant gives ceil(H / stride) x ceil(W / stride) for any
input size (odd sizes are zero-padded on the bottom/right where the layer
itself would not reach them), so detection and segmentation sizes work
with every combination.
"""
import torch
from torch import nn

from ..stms.mechanics import pad_to_multiple

NORM_EPS = 1e-6


class ConvNorm(nn.Module):
    """3x3 conv on NCHW input, then LayerNorm on the channels-last result."""

    def __init__(self, in_channels, out_channels, stride=2, bias=True):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride, 1,
                              bias=bias)
        self.norm = nn.LayerNorm(out_channels, eps=NORM_EPS)

    def forward(self, x):
        return self.norm(self.conv(x).permute(0, 2, 3, 1))


class UnifiedStem(nn.Module):
    """Two stride-2 3x3 convs (to C/2, then C), each with LayerNorm; GELU
    between them. Takes NCHW images, returns channels-last stride-4 maps."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.conv_norm1 = ConvNorm(in_channels, out_channels // 2)
        self.act = nn.GELU()
        self.conv_norm2 = ConvNorm(out_channels // 2, out_channels)

    def forward(self, x):
        # channels-last: the output, permuted to (B, H, W, C), needs no copy
        # for the LayerNorm, and oneDNN's convolution is faster so
        x = x.contiguous(memory_format=torch.channels_last)
        x = self.act(self.conv_norm1(x))
        return self.conv_norm2(x.permute(0, 3, 1, 2))


class PatchEmbedStem(nn.Module):
    """Non-overlapping 4x4 patches: a stride-4 conv, then LayerNorm (the
    stem of Swin and ConvNeXt)."""

    def __init__(self, in_channels, out_channels, patch_size=4):
        super().__init__()
        self.patch_size = patch_size
        self.conv = nn.Conv2d(in_channels, out_channels, patch_size,
                              patch_size)
        self.norm = nn.LayerNorm(out_channels, eps=NORM_EPS)

    def forward(self, x):
        x = pad_to_multiple(x.permute(0, 2, 3, 1), self.patch_size)
        return self.norm(self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1))


class ConvDownsample(ConvNorm):
    """3x3 stride-2 conv (no bias) + LayerNorm, channels-last in and out."""

    def __init__(self, in_channels, out_channels):
        super().__init__(in_channels, out_channels, stride=2, bias=False)

    def forward(self, x):
        return super().forward(x.permute(0, 3, 1, 2))


class PatchMerging(nn.Module):
    """Swin: each 2x2 neighbourhood concatenated (4C), LayerNorm, then a
    bias-free linear to the output width."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm = nn.LayerNorm(4 * in_channels, eps=NORM_EPS)
        self.reduction = nn.Linear(4 * in_channels, out_channels, bias=False)

    def forward(self, x):
        x = pad_to_multiple(x, 2)
        # Swin's order of the four positions (rows, cols): 00, 10, 01, 11,
        # which its released weights assume
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2],
                       x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
        return self.reduction(self.norm(x))


class NormConvDownsample(nn.Module):
    """ConvNeXt: LayerNorm, then a 2x2 stride-2 conv."""

    def __init__(self, in_channels, out_channels):
        super().__init__()
        self.norm = nn.LayerNorm(in_channels, eps=NORM_EPS)
        self.conv = nn.Conv2d(in_channels, out_channels, 2, 2)

    def forward(self, x):
        x = pad_to_multiple(self.norm(x), 2)
        return self.conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)


STEMS = {'unified': UnifiedStem, 'patch_embed': PatchEmbedStem}
DOWNSAMPLES = {'conv': ConvDownsample, 'patch_merging': PatchMerging,
               'norm_conv': NormConvDownsample}


def choose(kind, value, options):
    """``options[value]``, or an error listing the valid values of kind."""
    if value not in options:
        raise ValueError(f'Unknown {kind} "{value}"; choose one of '
                         f'{sorted(options)}')
    return options[value]
