"""DCNv3 deformable aggregation of the unified InternImage (U-InternImage)."""

import torch
import torch.nn.functional as F
from torch import nn

from mmstm.registry import MODELS

from .base import BaseSTM
from .mechanics import ShapeCache


def base_grid(kernel_size, dtype=torch.float32):
    """``(k*k, 2)`` (x, y) offsets of the regular sampling grid.

    Point ``p = k * a + b`` sits at ``x = a - k // 2, y = b - k // 2``: the
    order of the released models, which the offset and attention-weight
    channels of their checkpoints follow.
    """
    steps = torch.arange(kernel_size, dtype=dtype) - kernel_size // 2
    x, y = torch.meshgrid(steps, steps, indexing='ij')
    return torch.stack([x, y], -1).reshape(-1, 2)


def reference_points(height, width, padding, device):
    """``(1, H*W, 1, 2)`` normalised (x, y) centres of the map's pixels in
    the value map padded by ``padding`` on each side (mmcv's convention:
    0 and 1 are the outer edges of the padded map)."""
    padded_h, padded_w = height + 2 * padding, width + 2 * padding
    y = (torch.arange(height, device=device) + padding + 0.5) / padded_h
    x = (torch.arange(width, device=device) + padding + 0.5) / padded_w
    y, x = torch.meshgrid(y, x, indexing='ij')
    return torch.stack([x, y], -1).reshape(1, -1, 1, 2)


def deformable_sample(value, padded_size, locations, weights):
    """What mmcv's PyTorch path of multi-scale deformable attention computes
    for one level: ``value`` ``(B, Hp*Wp, G, d)`` is sampled bilinearly
    (zeros outside) at ``locations`` ``(B, N, G, 1, P, 2)`` in [0, 1] and
    the ``P`` samples summed with ``weights`` ``(B, N, G, 1, P)``; returns
    ``(B, N, G*d)``. The size comes as numbers, not as a tensor to read
    back, so torch.compile traces it without a break."""
    batch, _, groups, group_dims = value.shape
    queries, points = locations.shape[1], locations.shape[-2]
    value = value.flatten(2).transpose(1, 2).reshape(
        batch * groups, group_dims, *padded_size)
    # (B, N, G, P, 2) -> (B*G, P, N, 2)
    grid = (2 * locations - 1)[:, :, :, 0].permute(0, 2, 3, 1, 4)
    sampled = F.grid_sample(value, grid.flatten(0, 1), mode='bilinear',
                            padding_mode='zeros', align_corners=False)
    weights = weights[:, :, :, 0].permute(0, 2, 3, 1).reshape(
        batch * groups, 1, points, queries)
    out = (sampled * weights).sum(2)  # (B*G, d, N)
    out = out.view(batch, groups * group_dims, queries)
    return out.transpose(1, 2).contiguous()


@MODELS.register_module()
class DCNv3(BaseSTM):
    """Deformable convolution v3 as a token mixer: a depth-wise conv + LN +
    GELU predicts per-group offsets around a 3x3 grid and their softmax
    weights; the projected values are sampled bilinearly there and summed
    per group.

    A depth-wise conv (+ LayerNorm + GELU) of the input predicts, for every
    position and group, offsets of ``kernel_size**2`` points around a regular
    grid and their softmax-normalised weights; the value projection of the
    input, zero-padded by ``kernel_size // 2``, is sampled bilinearly there
    and aggregated per group: one level of mmcv's multi-scale deformable
    attention, written in PyTorch (the execution layer runs mmcv's CUDA
    kernel on GPUs).

    Args:
        embed_dims (int): Channels.
        num_heads (int): Groups, each with its own offsets and weights.
        kernel_size (int): Side of the sampling grid. Default 3.
        dw_kernel_size (int): Kernel of the depth-wise conv of the offset
            branch. Default 3.
        norm_eps (float): Epsilon of the offset branch's LayerNorm.
        im2col_step (int): Largest batch chunk of mmcv's CUDA kernel (the
            largest divisor of the batch up to it is taken).
    """

    OFFICIAL_BLOCK_KEYS = {
        'gamma1': 'gamma1',
        'gamma2': 'gamma2',
        'attn.dw_conv.0': 'stm.dw_conv',
        'attn.dw_conv.1.norm': 'stm.dw_norm',
    }

    def __init__(self, embed_dims, num_heads, kernel_size=3,
                 dw_kernel_size=3, norm_eps=1e-5, im2col_step=128,
                 init_cfg=None):
        super().__init__(embed_dims, num_heads, init_cfg=init_cfg)
        if kernel_size % 2 != 1 or dw_kernel_size % 2 != 1:
            raise ValueError(f'DCNv3 needs odd kernel sizes, got '
                             f'{kernel_size} and {dw_kernel_size}')
        self.kernel_size = kernel_size
        self.num_points = kernel_size**2
        self.padding = kernel_size // 2
        self.im2col_step = im2col_step
        self.dw_conv = nn.Conv2d(embed_dims, embed_dims, dw_kernel_size,
                                 padding=dw_kernel_size // 2,
                                 groups=embed_dims)
        self.dw_norm = nn.LayerNorm(embed_dims, eps=norm_eps)
        self.dw_act = nn.GELU()
        self.sampling_offsets = nn.Linear(embed_dims,
                                          num_heads * self.num_points * 2)
        self.attention_weights = nn.Linear(embed_dims,
                                           num_heads * self.num_points)
        self.value_proj = nn.Linear(embed_dims, embed_dims)
        self.output_proj = nn.Linear(embed_dims, embed_dims)
        self.register_buffer('grid', base_grid(kernel_size), persistent=False)
        self._references = ShapeCache()

    def init_weights(self):
        super().init_weights()
        # Start as a fixed, uniformly weighted kxk aggregation.
        for layer in (self.sampling_offsets, self.attention_weights):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        for layer in (self.value_proj, self.output_proj):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)

    def _sampling_geometry(self, height, width, device):
        """Reference points and the (x, y) size of the padded value map
        that normalises offsets, built once per input shape."""
        return self._references.get((height, width, device),
                                    self._build_geometry, height, width,
                                    device)

    def _build_geometry(self, height, width, device):
        padded = (width + 2 * self.padding, height + 2 * self.padding)
        return (reference_points(height, width, self.padding, device),
                torch.tensor(padded, dtype=torch.float32, device=device))

    def largest_elements_per_sample(self, x):
        """The sampled values: every channel at every point of every
        query."""
        return x.shape[1] * x.shape[2] * x.shape[3] * self.num_points

    @staticmethod
    def point_weights(logits):
        """Softmax over the sampling points (the last dimension)."""
        return logits.softmax(-1)

    def sample(self, value, padded_size, locations, weights):
        """Deformable aggregation (:func:`deformable_sample`), ``(B, N,
        C)``."""
        return deformable_sample(value, padded_size, locations,
                                 weights.to(value.dtype))

    def forward(self, x):
        self.check_input(x)
        batch, height, width, channels = x.shape
        heads, points, pad = self.num_heads, self.num_points, self.padding

        query = self.dw_conv(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        query = self.dw_act(self.dw_norm(query)).flatten(1, 2)
        value = F.pad(self.value_proj(x), (0, 0, pad, pad, pad, pad))
        value = value.reshape(batch, -1, heads, channels // heads)

        offsets = self.sampling_offsets(query).view(batch, -1, heads, 1,
                                                    points, 2)
        weights = self.attention_weights(query).view(batch, -1, heads,
                                                     points)
        weights = self.point_weights(weights).unsqueeze(3)
        references, normaliser = self._sampling_geometry(height, width,
                                                         x.device)
        locations = references[:, :, None, :, None] + \
            (self.grid.to(offsets.dtype) + offsets) / normaliser
        out = self.sample(value, (height + 2 * pad, width + 2 * pad),
                          locations, weights)
        return self.output_proj(out.to(x.dtype).view(batch, height, width,
                                                     channels))
