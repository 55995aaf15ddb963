"""Released official checkpoints loaded into mmstm models without a
conversion step.

Every whole-model load of mmengine (``load_from``, ``load_checkpoint`` as
used by mmpretrain's ``get_model``, mmdet's ``init_detector`` and every
inferencer, and ``tools/test.py``) ends in
``mmengine.runner.checkpoint.load_state_dict``. Wrapped here, it converts a
checkpoint in the official layout for a model with an mmstm backbone, with
the converter CLI's code, strictly; every other checkpoint and model passes
through unchanged.
"""
from mmengine.runner import checkpoint as mmengine_checkpoint

_original_load_state_dict = mmengine_checkpoint.load_state_dict


def has_unified_backbone(module):
    from mmstm.models.backbones import UnifiedBackbone
    return isinstance(getattr(module, 'backbone', None), UnifiedBackbone)


def load_state_dict_converting_official(module, state_dict, strict=False,
                                        logger=None):
    """mmengine's ``load_state_dict``, converting an official checkpoint
    for an mmstm model first (always strictly: a half-converted model would
    silently compute something else)."""
    from mmstm.models.backbones.official_checkpoint import (
        load_official_weights, official_layout)
    if has_unified_backbone(module) and \
            official_layout(state_dict)[0] is not None:
        load_official_weights(module, state_dict)
        return
    _original_load_state_dict(module, state_dict, strict, logger)


def register_official_checkpoint_conversion():
    """Install the wrapper (idempotent)."""
    mmengine_checkpoint.load_state_dict = load_state_dict_converting_official
