"""Re-parameterised large-kernel depth-wise convolution of the unified
RepLKNet (U-RepLK)."""
import torch
import torch.nn.functional as F
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM, check_odd


def fuse_conv_bn(conv, bn):
    """Kernel and bias of a bias-free ``conv`` followed by ``bn`` in eval
    mode, as one convolution."""
    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    kernel = conv.weight * scale.reshape(-1, 1, 1, 1)
    return kernel, bn.bias - bn.running_mean * scale


class ConvBN(nn.Sequential):
    """Depth-wise ``k x k`` convolution without bias, then BatchNorm."""

    def __init__(self, channels, kernel_size):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, kernel_size,
                              padding=kernel_size // 2, groups=channels,
                              bias=False)
        self.bn = nn.BatchNorm2d(channels)


@MODELS.register_module()
class LargeKernelConvMixer(BaseSTM):
    """1x1 input projection -> large depth-wise kernel -> 1x1 output
    projection, the U-ConvNeXt mixer with RepLKNet's kernel: while training,
    a ``kernel_size`` depth-wise conv + BN and a parallel ``small_kernel``
    one + BN, summed; ``switch_to_deploy()`` merges both branches and their
    BNs into one ``kernel_size`` conv with bias (structural
    re-parameterisation), which computes the same function as the training
    form in eval mode.

    This is RepLKNet's ``ReparamLargeKernelConv`` (one parallel small
    kernel). UniRepLKNet's dilated re-parameterised block (several dilated
    small kernels in parallel) is a different operator.

    Args:
        embed_dims (int): Channels.
        num_heads (int, optional): Unused; accepted for the common contract.
        kernel_size (int): The large kernel (odd). Default 13.
        small_kernel (int): The parallel kernel (odd, smaller); ``None``
            trains the large kernel alone. Default 5.
        deploy (bool): Build the merged form directly (to load a
            re-parameterised checkpoint).
    """

    def __init__(self, embed_dims, num_heads=None, kernel_size=13,
                 small_kernel=5, deploy=False, init_cfg=None):
        super().__init__(embed_dims, None, init_cfg=init_cfg)
        check_odd('LargeKernelConvMixer', kernel_size=kernel_size,
                  small_kernel=small_kernel)
        if small_kernel is not None and small_kernel >= kernel_size:
            raise ValueError(f'small_kernel ({small_kernel}) must be smaller '
                             f'than kernel_size ({kernel_size})')
        self.kernel_size, self.small_kernel = kernel_size, small_kernel
        self.input_proj = nn.Linear(embed_dims, embed_dims)
        if deploy:
            self.merged = nn.Conv2d(embed_dims, embed_dims, kernel_size,
                                    padding=kernel_size // 2,
                                    groups=embed_dims)
        else:
            self.large = ConvBN(embed_dims, kernel_size)
            if small_kernel is not None:
                self.small = ConvBN(embed_dims, small_kernel)
        self.output_proj = nn.Linear(embed_dims, embed_dims)

    @property
    def deployed(self):
        return hasattr(self, 'merged')

    def _spatial(self, x):
        if self.deployed:
            return self.merged(x)
        out = self.large(x)
        if hasattr(self, 'small'):
            out = out + self.small(x)
        return out

    def forward(self, x):
        self.check_input(x)
        x = self.input_proj(x).permute(0, 3, 1, 2)
        return self.output_proj(self._spatial(x).permute(0, 2, 3, 1))

    @torch.no_grad()
    def switch_to_deploy(self):
        """Replace the two branches by the one kernel they equal (BN running
        statistics folded in); idempotent."""
        if self.deployed:
            return
        kernel, bias = fuse_conv_bn(self.large.conv, self.large.bn)
        if hasattr(self, 'small'):
            small_kernel, small_bias = fuse_conv_bn(self.small.conv,
                                                    self.small.bn)
            pad = (self.kernel_size - self.small_kernel) // 2
            kernel = kernel + F.pad(small_kernel, [pad] * 4)
            bias = bias + small_bias
            del self.small
        del self.large
        self.merged = nn.Conv2d(self.embed_dims, self.embed_dims,
                                self.kernel_size,
                                padding=self.kernel_size // 2,
                                groups=self.embed_dims).to(kernel)
        self.merged.weight.copy_(kernel)
        self.merged.bias.copy_(bias)
