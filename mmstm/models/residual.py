"""A residual branch added with its layer scale and stochastic depth in one
pass, computed only for the samples stochastic depth keeps.

``x + drop_path(gamma * branch(x))`` as written takes four passes over the
feature map forward (the scale, stochastic depth's division and mask, the
add) and as many backward, and computes the branch for samples whose result
it then multiplies by zero. Both factors are per channel and per sample, so
they multiply into one ``(B, 1, ..., C)`` factor and the branch goes into the
residual with a single ``addcmul``; when stochastic depth drops samples, the
branch runs on the kept ones only (a quarter of a base model's block compute
at its rate of 0.5), which changes no output and no gradient: a dropped
sample's branch contributes exactly zero to both.

Stochastic depth draws its masks exactly as mmcv's ``DropPath`` does (the
same random numbers, so seeded runs keep their masks); outputs agree to float
rounding. Every sample is computed by branches holding BatchNorm (whose
training statistics mix the samples of a batch), under ``torch.compile``
(which would recompile for every number of kept samples) and on GPUs, where
reading the mask would synchronise the device at every block (not measured
here).
"""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from mmstm.models.layer_scale import LayerScale


def samplewise(module):
    """Whether ``module`` computes each sample on its own (no BatchNorm)."""
    return not any(isinstance(m, _BatchNorm) for m in module.modules())


def _drop_path_factor(drop_path, like, scale):
    """``DropPath``'s per-sample ``mask / keep_prob`` for a batch like
    ``like`` whose branch the layer scale ``scale`` (or None) multiplies, or
    None when it keeps everything."""
    if not (drop_path.training and drop_path.drop_prob > 0):
        return None
    # DropPath draws its mask in the dtype of what it drops: the scaled
    # branch, float32 under autocast when the layer scale is (the same
    # random numbers, so the same masks, as written)
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
    """``x + drop_path(layer_scale(branch(branch_input)))`` for a block's
    :class:`LayerScale` (or identity) and ``DropPath`` (or identity); other
    modules in their places run as written.

    ``branch_is_samplewise``: whether ``branch`` may run on a subset of the
    batch (see :func:`samplewise`).
    """
    if not (type(layer_scale) in (LayerScale, nn.Identity)
            and type(drop_path) in (DropPath, nn.Identity)):
        return x + drop_path(layer_scale(branch(branch_input)))
    scale = layer_scale.weight if type(layer_scale) is LayerScale else None
    keep = _drop_path_factor(drop_path, branch_input, scale) \
        if type(drop_path) is DropPath else None
    if keep is not None and branch_is_samplewise and x.device.type == 'cpu' \
            and not torch.compiler.is_compiling():
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
