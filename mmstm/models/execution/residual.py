"""The blocks' residual branches, rescheduled: layer scale and stochastic
depth in one pass, the branch computed only for the samples stochastic depth
keeps, and a mixer with large intermediates run a few samples at a time.

``x + drop_path(gamma * branch(x))`` as written takes four passes over the
feature map (the scale, stochastic depth's division and mask, the add) and
computes the branch for samples whose result it then multiplies by zero.
Both factors are per channel and per sample, so they multiply into one
``(B, 1, ..., C)`` factor and the branch goes into the residual with a single
``addcmul``; when stochastic depth drops samples, the branch runs on the kept
ones only, which changes no output and no gradient: a dropped sample's branch
contributes exactly zero to both.

Stochastic depth draws its masks exactly as mmcv's ``DropPath`` does (the
same random numbers, so seeded runs keep their masks). Every sample is
computed by branches holding BatchNorm (whose training statistics mix the
samples of a batch), under ``torch.compile`` (which would recompile for every
number of kept samples) and off the CPU (reading the mask would synchronise
the device at every block).
"""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from ..blocks import SingleResidualBlock, UnifiedBlock
from .cpu_linear import eager_cpu
from .switch import fast_form

# Elements (4 Mi: 16 MiB of float32) of the largest intermediate a mixer may
# make at once on the CPU: larger blocks come from a fresh mmap per call,
# page-faulted and zero-filled, and leave the cache sooner.
CHUNK_ELEMENTS = 1 << 22


def samplewise(module):
    """Whether ``module`` computes each sample on its own (a mixer says so;
    anything else is taken as sample-wise unless it holds BatchNorm)."""
    if hasattr(module, 'samplewise'):
        return module.samplewise
    return not any(isinstance(m, nn.modules.batchnorm._BatchNorm)
                   for m in module.modules())


def mix_in_sample_chunks(mixer, x):
    """``mixer(x)``, a few samples at a time where the mixer's largest
    intermediate (its ``largest_elements_per_sample``) would exceed
    :data:`CHUNK_ELEMENTS` for the whole batch: only in eager CPU execution,
    and only for sample-wise mixers. Outputs and gradients are those of
    ``mixer(x)``."""
    per_sample = getattr(mixer, 'largest_elements_per_sample', None)
    if per_sample is None or not eager_cpu(x) or not samplewise(mixer):
        return mixer(x)
    chunks = -(-x.shape[0] * per_sample(x) // CHUNK_ELEMENTS)
    if chunks <= 1:
        return mixer(x)
    samples = -(-x.shape[0] // chunks)  # chunks of even size: 4 + 4, not 7 + 1
    return torch.cat([mixer(chunk) for chunk in x.split(samples)])


def _drop_path_factor(drop_path, like, scale):
    """``DropPath``'s per-sample ``mask / keep_prob`` for a batch like
    ``like`` whose branch the layer scale ``scale`` (or None) multiplies, or
    None when it keeps everything."""
    if not (drop_path.training and drop_path.drop_prob > 0):
        return None
    # DropPath draws its mask in the dtype of the scaled branch (float32
    # under autocast when the layer scale is): the same random numbers
    dtype = like.dtype if scale is None else \
        torch.promote_types(like.dtype, scale.dtype)
    keep_prob = 1 - drop_path.drop_prob
    shape = (like.shape[0], ) + (1, ) * (like.ndim - 1)
    mask = (keep_prob + torch.rand(
        shape, dtype=dtype, device=like.device)).floor_()
    return mask.div_(keep_prob)


def _times(a, b):
    """``a * b`` where either may be None (a factor of one)."""
    return b if a is None else a if b is None else a * b


def add_branch(x, branch, branch_input, layer_scale, drop_path,
               branch_is_samplewise=True):
    """``x + drop_path(layer_scale * branch(branch_input))`` for a block's
    layer scale (a per-channel parameter, or 1 when off) and ``DropPath``
    (or identity); another module in drop path's place runs as written.

    ``branch_is_samplewise``: whether ``branch`` may run on a subset of the
    batch (see :func:`samplewise`).
    """
    if type(drop_path) not in (DropPath, nn.Identity) or not (
            isinstance(layer_scale, torch.Tensor) or layer_scale == 1):
        return x + drop_path(layer_scale * branch(branch_input))
    scale = layer_scale if isinstance(layer_scale, torch.Tensor) else None
    keep = _drop_path_factor(drop_path, branch_input, scale) \
        if type(drop_path) is DropPath else None
    if keep is not None and branch_is_samplewise and \
            x.device.type == 'cpu' and not torch.compiler.is_compiling():
        kept = keep.flatten().nonzero().flatten()
        if len(kept) == 0:
            # the first sample's branch, added times zero: every parameter
            # still gets a (zero) gradient, as distributed training expects
            kept = kept.new_zeros(1)
        if len(kept) < len(keep):
            factor = _times(scale, keep.index_select(0, kept))
            added = branch(branch_input.index_select(0, kept)) * factor
            # index_add takes one dtype; the written sum promotes (autocast:
            # a bfloat16 residual plus a float32 scaled branch is float32)
            dtype = torch.promote_types(x.dtype, added.dtype)
            return x.to(dtype).index_add(0, kept, added.to(dtype))
    factor = _times(scale, keep)
    out = branch(branch_input)
    return x + out if factor is None else torch.addcmul(x, out, factor)


@fast_form(UnifiedBlock)
class FastUnifiedBlock(UnifiedBlock):
    """:class:`UnifiedBlock` with its residuals through :func:`add_branch`
    and its mixer through :func:`mix_in_sample_chunks`."""

    def _mixer_branch(self, x):
        return mix_in_sample_chunks(self.stm, self.norm1(x))

    def _mlp_branch(self, x):
        return self.mlp(self.norm2(x))

    def forward(self, x, mixer_input=None):
        mixer_input = x if mixer_input is None else mixer_input
        x = add_branch(x, self._mixer_branch, mixer_input, self.gamma1,
                       self.drop_path, samplewise(self.stm))
        return add_branch(x, self._mlp_branch, x, self.gamma2, self.drop_path)


@fast_form(SingleResidualBlock)
class FastSingleResidualBlock(SingleResidualBlock):
    """:class:`SingleResidualBlock` through :func:`add_branch`."""

    def _branch(self, x):
        return self.mlp(self.norm(mix_in_sample_chunks(self.stm, x)))

    def forward(self, x):
        return add_branch(x, self._branch, x, self.gamma, self.drop_path,
                          samplewise(self.stm))
