"""Learned position tables and embeddings at sizes other than trained ones.

A checkpoint trained with one window, block or image size must load into a
module built for another. The module that owns the parameter resizes the
checkpoint's value on load (a load-state-dict pre-hook), so any loader --
strict ``load_state_dict``, mmengine's ``Pretrained`` init, the official
converter -- gets the same result.
"""
import math

import torch
import torch.nn.functional as F
from mmengine.model.weight_init import trunc_normal_
from torch import nn

from .recording import recording_graph


def resize_relative_table_1d(table, length):
    """``(L, C)`` table of 1-D relative offsets -> ``(length, C)``, linear
    with aligned corners (the end offsets stay the end offsets)."""
    resized = F.interpolate(table.t()[None].float(), size=length,
                            mode='linear', align_corners=True)
    return resized[0].t().to(table.dtype)


def resize_relative_table_2d(table, length):
    """``(S*S, heads)`` table of 2-D relative offsets -> ``(length, heads)``
    (``length`` a square), bicubic, as Swin does for new window sizes."""
    side, new_side = math.isqrt(table.shape[0]), math.isqrt(length)
    if side * side != table.shape[0] or new_side * new_side != length:
        raise ValueError(f'relative position tables must be square, got '
                         f'{table.shape[0]} -> {length} entries')
    grid = table.t().reshape(1, -1, side, side).float()
    grid = F.interpolate(grid, size=(new_side, new_side), mode='bicubic',
                         align_corners=False)
    return grid.reshape(-1, length).t().to(table.dtype)


def resize_map(embedding, size):
    """``(1, C, H, W)`` embedding -> ``(1, C, *size)``, bilinear with
    aligned corners."""
    if tuple(embedding.shape[-2:]) == tuple(size) and not recording_graph():
        return embedding
    return F.interpolate(embedding, size=tuple(size), mode='bilinear',
                         align_corners=True)


def resize_on_load(module, resizers):
    """Resize the checkpoint values of ``module``'s parameters on load.

    Args:
        module (nn.Module): Owner of the parameters.
        resizers (dict): Parameter name -> ``fn(value, target_shape)``
            called when the checkpoint's shape differs from the parameter's.
    """

    def hook(state_dict, prefix, *args, **kwargs):
        for name, resize in resizers.items():
            key = prefix + name
            target = getattr(module, name)
            if key in state_dict and state_dict[key].shape != target.shape:
                resized = resize(state_dict[key], target.shape)
                if resized.shape != target.shape:
                    raise ValueError(
                        f'cannot resize {key} from '
                        f'{tuple(state_dict[key].shape)} to '
                        f'{tuple(target.shape)}')
                state_dict[key] = resized

    module._register_load_state_dict_pre_hook(hook)


class AbsolutePositionEmbedding(nn.Module):
    """A learned ``(1, C, H, W)`` embedding added to a channels-last map.

    Stored at the size of the pretraining grid and interpolated to the size
    of the input, so the same weights serve any image size; checkpoints from
    another pretraining size are resized on load.

    Args:
        embed_dims (int): Channels.
        size (tuple[int, int]): The stored (pretraining) grid size.
    """

    def __init__(self, embed_dims, size):
        super().__init__()
        self.embedding = nn.Parameter(torch.zeros(1, embed_dims, *size))
        trunc_normal_(self.embedding, std=.02)
        resize_on_load(self, {
            'embedding': lambda value, shape: resize_map(value, shape[-2:])})

    def forward(self, x):
        embedding = resize_map(self.embedding, x.shape[1:3])
        return x + embedding.permute(0, 2, 3, 1).to(x.dtype)
