"""Layer scale: a learnable per-channel factor on a residual branch.

A block holds it as a module (``nn.Identity`` when switched off), so its
forward has no "is layer scale on" branches. Checkpoints keep the flat keys
every released model uses (``<block>.gamma1``, not ``<block>.gamma1.weight``):
:func:`keep_flat_keys` renames them on the block's way into and out of a
state dict.
"""
import torch
from torch import nn


class LayerScale(nn.Module):
    """``x * weight`` over the last (channel) dimension; ``weight`` starts
    at ``init_value``."""

    def __init__(self, embed_dims, init_value):
        super().__init__()
        self.weight = nn.Parameter(
            torch.full((embed_dims, ), float(init_value)))

    def forward(self, x):
        return x * self.weight


def layer_scale(embed_dims, init_value):
    """A :class:`LayerScale` starting at ``init_value``; an identity when the
    value is 0 (off)."""
    if init_value <= 0:
        return nn.Identity()
    return LayerScale(embed_dims, init_value)


def keep_flat_keys(block, *names):
    """Store the layer scales ``names`` of ``block`` as ``<prefix><name>``.

    Loading renames them back before the children read their entries (torch
    and mmengine both run a module's pre-hooks before they hand its children
    their slice of the state dict). A flat key aimed at a switched-off layer
    scale is reported as unexpected, as it was when the scale was a bare
    parameter set to None; a missing one is reported under its flat name.
    """

    def flat_on_save(module, state_dict, prefix, local_metadata):
        for name in names:
            nested = f'{prefix}{name}.weight'
            if nested in state_dict:
                state_dict[prefix + name] = state_dict.pop(nested)

    def nested_on_load(module, state_dict, prefix, local_metadata, strict,
                       missing_keys, unexpected_keys, error_msgs):
        for name in names:
            flat = prefix + name
            if flat not in state_dict:
                continue
            if isinstance(getattr(module, name), LayerScale):
                state_dict[f'{flat}.weight'] = state_dict.pop(flat)
            else:
                state_dict.pop(flat)
                unexpected_keys.append(flat)

    def flat_missing_keys(module, incompatible_keys):
        missing = incompatible_keys.missing_keys
        for index, key in enumerate(missing):
            for name in names:
                if key.endswith(f'.{name}.weight') or \
                        key == f'{name}.weight':
                    missing[index] = key[:-len('.weight')]

    block.register_state_dict_post_hook(flat_on_save)
    block.register_load_state_dict_pre_hook(nested_on_load)
    block.register_load_state_dict_post_hook(flat_missing_keys)
