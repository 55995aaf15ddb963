"""DCNv3 deformable aggregation of the unified InternImage (U-InternImage)."""

import torch
import torch.nn.functional as F
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction
from torch import nn

from mmstm.registry import MODELS

from ..fused_linear import Linear, eager_cpu
from .base import BaseSTM
from .mechanics import ShapeCache, mix_in_sample_chunks


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


def _bilinear_zeros(value, grid):
    return F.grid_sample(value, grid, mode='bilinear', padding_mode='zeros',
                         align_corners=False)


@torch.library.custom_op('mmstm::grid_sample_bilinear_zeros',
                         mutates_args=())
def grid_sample_op(value: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``F.grid_sample`` (bilinear, zeros outside, ``align_corners=False``)
    as an operator torch.compile keeps whole: inductor otherwise generates
    its own loops for it, which on a CPU made a compiled DCNv3 model 3.5x
    slower than eager; through this the compiled model calls ATen's kernel
    and is faster than eager."""
    return _bilinear_zeros(value, grid)


@grid_sample_op.register_fake
def _grid_sample_shape(value, grid):
    return value.new_empty(*value.shape[:2], *grid.shape[1:3])


def _grid_sample_save(ctx, inputs, output):
    ctx.save_for_backward(*inputs)


def _grid_sample_backward(ctx, grad):
    value, grid = ctx.saved_tensors
    # interpolation 0: bilinear, padding 0: zeros, align_corners False
    return torch.ops.aten.grid_sampler_2d_backward(
        grad, value, grid, 0, 0, False, [True, True])


grid_sample_op.register_autograd(_grid_sample_backward,
                                 setup_context=_grid_sample_save)


def grid_sample(value, grid):
    """Bilinear sampling, zeros outside: the operator above under
    torch.compile only; eager and traced runs (the FLOP counter) keep ATen's
    grid_sampler, which they know."""
    if torch.compiler.is_compiling():
        return grid_sample_op(value, grid)
    return _bilinear_zeros(value, grid)


def deformable_sample(value, padded_size, locations, weights):
    """What mmcv's PyTorch path of multi-scale deformable attention computes
    for one level: ``value`` ``(B, Hp*Wp, G, d)`` is sampled bilinearly
    (zeros outside) at ``locations`` ``(B, N, G, 1, P, 2)`` in [0, 1] and
    the ``P`` samples summed with ``weights`` ``(B, N, G, 1, P)``; returns
    ``(B, N, G*d)``. The size comes as numbers, not as a tensor to read
    back, so torch.compile traces it without a break.

    The samples are laid out point-major, ``(B*G, d, P, N)``, and without
    gradients summed one point at a time, each term a contiguous ``(B*G, d,
    N)`` slice: mmcv's product with the weights and sum over a last
    dimension of ``P`` (9) made a tensor nine times the output and reduced
    it along a dimension too short to vectorise (with the softmax over the
    points, a third of U-InternImage's CPU inference). Outputs agree with
    mmcv's to float rounding."""
    batch, _, groups, group_dims = value.shape
    queries, points = locations.shape[1], locations.shape[-2]
    value = value.flatten(2).transpose(1, 2).reshape(
        batch * groups, group_dims, *padded_size)
    # (B, N, G, P, 2) -> (B*G, P, N, 2)
    grid = (2 * locations - 1)[:, :, :, 0].permute(0, 2, 3, 1, 4)
    sampled = grid_sample(value, grid.flatten(0, 1))  # (B*G, d, P, N)
    weights = weights[:, :, :, 0].permute(0, 2, 3, 1).reshape(
        batch * groups, 1, points, queries)
    if torch.is_grad_enabled() and (sampled.requires_grad
                                    or weights.requires_grad):
        # one product and sum: autograd's gradient of each slice of a sum
        # by points would be a zero tensor of the samples' full size
        out = (sampled * weights).sum(2)
    else:
        out = sampled[:, :, 0] * weights[:, :, 0]
        for point in range(1, points):
            out = out.addcmul_(sampled[:, :, point], weights[:, :, point])
    out = out.view(batch, groups * group_dims, queries)
    return out.transpose(1, 2).contiguous()


def kernel_batch_chunk(batch, im2col_step):
    """The batch chunk for mmcv's CUDA kernel: the largest number up to
    ``im2col_step`` that divides ``batch``. The kernel asserts that its
    chunk divides the batch, so the released models' 128 would stop a batch
    of 200; the chunk changes no result, only how many samples a launch
    takes."""
    return next(step for step in range(min(batch, im2col_step), 0, -1)
                if batch % step == 0)


def softmax_over_points(logits):
    """``logits.softmax(-1)`` over the short last dimension of the sampling
    points. ATen's softmax vectorises along that dimension, which at 9
    points leaves most of each vector idle; these elementwise passes are
    about 5x faster on the CPU at U-InternImage's first stage. The maximum
    is subtracted for range only (softmax ignores a shift, so it needs no
    gradient); outputs agree to float rounding."""
    if not eager_cpu(logits):
        return logits.softmax(-1)
    shifted = logits - logits.detach().amax(-1, keepdim=True)
    if torch.is_grad_enabled() and logits.requires_grad:
        weights = shifted.exp()
        return weights / weights.sum(-1, keepdim=True)
    weights = shifted.exp_()
    return weights.div_(weights.sum(-1, keepdim=True))


@MODELS.register_module()
class DCNv3(BaseSTM):
    """Deformable convolution v3 as a token mixer: a depth-wise conv + LN +
    GELU predicts per-group offsets around a 3x3 grid and softmax weights;
    bilinear sampling with mmcv's multi-scale deformable attention (CUDA
    kernel on GPU, PyTorch path on CPU).

    A depth-wise conv (+ LayerNorm + GELU) of the input predicts, for every
    position and group, offsets of ``kernel_size**2`` points around a regular
    grid and their softmax-normalised weights; the value projection of the
    input, zero-padded by ``kernel_size // 2``, is sampled bilinearly there
    and aggregated per group. Sampling uses mmcv's multi-scale deformable
    attention (one level): its CUDA kernel on GPU, its PyTorch path
    elsewhere.

    Args:
        embed_dims (int): Channels.
        num_heads (int): Groups, each with its own offsets and weights.
        kernel_size (int): Side of the sampling grid. Default 3.
        dw_kernel_size (int): Kernel of the depth-wise conv of the offset
            branch. Default 3.
        norm_eps (float): Epsilon of the offset branch's LayerNorm.
        im2col_step (int): Largest batch chunk of the CUDA kernel (the
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
        self.sampling_offsets = Linear(embed_dims,
                                       num_heads * self.num_points * 2)
        self.attention_weights = Linear(embed_dims,
                                        num_heads * self.num_points)
        self.value_proj = Linear(embed_dims, embed_dims)
        self.output_proj = Linear(embed_dims, embed_dims)
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
        """Reference points, the (x, y) size of the padded value map that
        normalises offsets, and the kernel's level shapes/start index, built
        once per input shape (no host-to-device copies per forward)."""
        return self._references.get((height, width, device),
                                    self._build_geometry, height, width,
                                    device)

    def _build_geometry(self, height, width, device):
        shape = (height + 2 * self.padding, width + 2 * self.padding)
        shapes = torch.tensor([shape], device=device)
        return (reference_points(height, width, self.padding, device),
                torch.tensor([shape[1], shape[0]], dtype=torch.float32,
                             device=device),
                shapes, shapes.new_zeros(1))

    def _sample(self, value, padded_size, shapes, start, locations,
                weights):
        """Deformable aggregation, ``(B, N, C)``."""
        if value.is_cuda:
            with torch.autocast('cuda', enabled=False):
                # the kernel wants one dtype; float32 keeps AMP stable
                return MultiScaleDeformableAttnFunction.apply(
                    value.float(), shapes, start, locations.float(),
                    weights.float(),
                    kernel_batch_chunk(value.shape[0], self.im2col_step))
        return deformable_sample(value, padded_size, locations,
                                 weights.to(value.dtype))

    def forward(self, x):
        self.check_input(x)
        return mix_in_sample_chunks(self._mix, x, self._largest_per_sample(x))

    def _largest_per_sample(self, x):
        """Elements of one sample's largest tensor: the sampled values, every
        channel at every point of every query."""
        return x.shape[1] * x.shape[2] * x.shape[3] * self.num_points

    def _mix(self, x):
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
        weights = softmax_over_points(weights).unsqueeze(3)
        references, normaliser, shapes, start = self._sampling_geometry(
            height, width, x.device)
        locations = references[:, :, None, :, None] + \
            (self.grid.to(offsets.dtype) + offsets) / normaliser
        out = self._sample(value, (height + 2 * pad, width + 2 * pad), shapes,
                           start, locations, weights)
        return self.output_proj(out.to(x.dtype).view(batch, height, width,
                                                     channels))
