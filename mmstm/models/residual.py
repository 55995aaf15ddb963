"""A residual branch added with its layer scale and stochastic depth in one
pass.

``x + drop_path(gamma * branch)`` as written takes three passes over the
feature map forward (the scale, stochastic depth's division and mask, the
add) and as many backward. Both factors are per channel and per sample, so
they multiply into one ``(B, 1, ..., C)`` factor and the branch goes into
the residual with a single ``addcmul``. Stochastic depth draws its mask
exactly as mmcv's ``DropPath`` does (the same random numbers, so seeded runs
keep their masks); outputs agree to float rounding.
"""
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmstm.models.layer_scale import LayerScale


def _drop_path_factor(drop_path, branch):
    """``DropPath``'s per-sample ``mask / keep_prob`` or None when it keeps
    everything."""
    if not (drop_path.training and drop_path.drop_prob > 0):
        return None
    keep_prob = 1 - drop_path.drop_prob
    shape = (branch.shape[0], ) + (1, ) * (branch.ndim - 1)
    mask = (keep_prob + torch.rand(
        shape, dtype=branch.dtype, device=branch.device)).floor_()
    return mask.div_(keep_prob)


def add_branch(x, branch, layer_scale, drop_path):
    """``x + drop_path(layer_scale(branch))`` for a block's
    :class:`LayerScale` (or identity) and ``DropPath`` (or identity); other
    modules in their places run as written."""
    known = (type(layer_scale) in (LayerScale, nn.Identity)
             and type(drop_path) in (DropPath, nn.Identity))
    if not known:
        return x + drop_path(layer_scale(branch))
    factors = [
        layer_scale.weight if type(layer_scale) is LayerScale else None,
        _drop_path_factor(drop_path, branch)
        if type(drop_path) is DropPath else None
    ]
    factors = [f for f in factors if f is not None]
    if not factors:
        return x + branch
    factor = factors[0] if len(factors) == 1 else factors[0] * factors[1]
    return torch.addcmul(x, branch, factor)
