"""DCNv3's deformable aggregation, fast: mmcv's CUDA kernel on GPUs; on the
CPU the softmax over the points and, without gradients, the weighted sum
written as elementwise passes; under ``torch.compile`` bilinear sampling as
one operator.

At 9 points the last dimension is too short for ATen's softmax and sum to
vectorise along it; elementwise passes over ``(B*G, d, N)`` slices are
several times faster at U-InternImage's first stage. Outputs agree with the
mixer's own expressions to float rounding.
"""
import torch
import torch.nn.functional as F
from mmcv.ops.multi_scale_deform_attn import MultiScaleDeformableAttnFunction

from ..stms.dcnv3 import DCNv3, deformable_sample
from .cpu_linear import eager_cpu
from .switch import fast_form


def _bilinear_zeros(value, grid):
    return F.grid_sample(value, grid, mode='bilinear', padding_mode='zeros',
                         align_corners=False)


@torch.library.custom_op('mmstm::grid_sample_bilinear_zeros',
                         mutates_args=())
def grid_sample_op(value: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``F.grid_sample`` (bilinear, zeros outside, ``align_corners=False``)
    as an operator torch.compile keeps whole: inductor's own loops for it
    are slower than ATen's kernel on the CPU."""
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


def _sample(value, padded_size, locations, weights, sampler, pointwise):
    """:func:`deformable_sample` with ``sampler`` for ``F.grid_sample``;
    ``pointwise`` (no gradients) sums the points one at a time, each term a
    contiguous ``(B*G, d, N)`` slice."""
    batch, _, groups, group_dims = value.shape
    queries, points = locations.shape[1], locations.shape[-2]
    value = value.flatten(2).transpose(1, 2).reshape(
        batch * groups, group_dims, *padded_size)
    grid = (2 * locations - 1)[:, :, :, 0].permute(0, 2, 3, 1, 4)
    sampled = sampler(value, grid.flatten(0, 1))  # (B*G, d, P, N)
    weights = weights[:, :, :, 0].permute(0, 2, 3, 1).reshape(
        batch * groups, 1, points, queries)
    if pointwise:
        out = sampled[:, :, 0] * weights[:, :, 0]
        for point in range(1, points):
            out = out.addcmul_(sampled[:, :, point], weights[:, :, point])
    else:
        out = (sampled * weights).sum(2)
    out = out.view(batch, groups * group_dims, queries)
    return out.transpose(1, 2).contiguous()


def kernel_batch_chunk(batch, im2col_step):
    """The batch chunk for mmcv's CUDA kernel: the largest number up to
    ``im2col_step`` that divides ``batch`` (the kernel asserts that its
    chunk divides the batch; the chunk changes no result)."""
    return next(step for step in range(min(batch, im2col_step), 0, -1)
                if batch % step == 0)


def softmax_over_points(logits):
    """``logits.softmax(-1)`` over the short last dimension of the sampling
    points, as elementwise passes in eager CPU execution. The maximum is
    subtracted for range only (softmax ignores a shift, so it needs no
    gradient)."""
    if not eager_cpu(logits):
        return logits.softmax(-1)
    shifted = logits - logits.detach().amax(-1, keepdim=True)
    if torch.is_grad_enabled() and logits.requires_grad:
        weights = shifted.exp()
        return weights / weights.sum(-1, keepdim=True)
    weights = shifted.exp_()
    return weights.div_(weights.sum(-1, keepdim=True))


@fast_form(DCNv3)
class FastDCNv3(DCNv3):
    """:class:`DCNv3` through mmcv's CUDA kernel on GPUs and the passes
    above elsewhere."""

    point_weights = staticmethod(softmax_over_points)

    def sample(self, value, padded_size, locations, weights):
        if value.is_cuda:
            shapes = self._references.get(
                (*padded_size, value.device, 'kernel'),
                lambda: torch.tensor([padded_size], device=value.device))
            with torch.autocast('cuda', enabled=False):
                # the kernel wants one dtype; float32 keeps AMP stable
                return MultiScaleDeformableAttnFunction.apply(
                    value.float(), shapes, shapes.new_zeros(1),
                    locations.float(), weights.float(),
                    kernel_batch_chunk(value.shape[0], self.im2col_step))
        weights = weights.to(value.dtype)
        if torch.compiler.is_compiling():
            return _sample(value, padded_size, locations, weights,
                           grid_sample_op, pointwise=False)
        grad = torch.is_grad_enabled() and any(
            t.requires_grad for t in (value, locations, weights))
        if eager_cpu(value) and not grad:
            return _sample(value, padded_size, locations, weights,
                           _bilinear_zeros, pointwise=True)
        return deformable_sample(value, padded_size, locations, weights)
