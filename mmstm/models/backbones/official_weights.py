"""The paper's released checkpoints in mmstm models: the mixers' facts for
the key conversion of :mod:`mmstm.checkpoint.official_layout`, the
backbone's share of a release, and the load-state-dict pre-hook through
which the task models read a release as it is (``load_from``,
``get_model(..., pretrained=True)``, inferencers)."""
from mmstm.checkpoint.official_layout import (DEFAULT_BLOCK_KEYS,
                                              DETECTOR_BACKBONE,
                                              convert_official_state_dict,
                                              converter_of, official_layout,
                                              rename_official_keys)

from ..stms.base import mixer_class


def block_key_map(stm_type):
    """Official -> mmstm block-level prefixes for the mixer ``stm_type``:
    the defaults and the renames its class lists in
    ``OFFICIAL_BLOCK_KEYS``."""
    return dict(DEFAULT_BLOCK_KEYS,
                **getattr(mixer_class(stm_type), 'OFFICIAL_BLOCK_KEYS', {}))


def rebuilt_buffers(stm_type):
    """The official buffers the mixer rebuilds itself from the input shape
    (``OFFICIAL_IGNORED_KEYS`` of its class)."""
    return tuple(getattr(mixer_class(stm_type), 'OFFICIAL_IGNORED_KEYS', ()))


def _stm_type(backbone):
    stm_types = {cfg['type'] for cfg in backbone.arch['stm']}
    if len(stm_types) != 1:
        raise ValueError(f'expected one mixer type, got {sorted(stm_types)}')
    return stm_types.pop()


def official_backbone_state(backbone, checkpoint):
    """The backbone weights in ``checkpoint``, an official release of either
    kind or a bare official backbone state dict, under the keys and shapes
    of ``backbone`` (an mmstm ``UnifiedBackbone``); ``None`` when
    ``checkpoint`` is not in an official layout. Completeness is left to the
    caller (a downstream backbone drops a classifier's trunk norms)."""
    kind, state = official_layout(checkpoint)
    if kind is None:
        return None
    stm_type = _stm_type(backbone)
    renamed, unmapped = rename_official_keys(
        state, block_key_map(stm_type), rebuilt_buffers(stm_type),
        converter_of(kind))
    if unmapped:
        raise KeyError(f'official checkpoint keys without an mmstm '
                       f'counterpart: {unmapped[:10]} ({len(unmapped)})')
    own = backbone.state_dict()
    weights = {}
    for key, value in renamed.items():
        if key.startswith(DETECTOR_BACKBONE):  # not the neck or heads
            key = key[len(DETECTOR_BACKBONE):]
            # other sizes (position tables) are resized by their modules
            same_size = key in own and value.numel() == own[key].numel()
            weights[key] = value.reshape(own[key].shape) if same_size \
                else value
    return weights


def load_official_backbone(backbone, official):
    """Load ``official``, a bare official backbone state dict (classifier
    trunk or downstream backbone, e.g. the ``backbone.`` part of a Mask R-CNN
    release without its prefix), strictly into ``backbone``."""
    backbone.load_state_dict(official_backbone_state(backbone, official),
                             strict=True)


def convert_official(model, official):
    """``official`` (a release or its bare state dict) under the keys and
    shapes of ``model``, a task model with a ``UnifiedBackbone``: an
    ImageNet classifier for an mmpretrain ``ImageClassifier`` with
    ``ExpandPoolNeck``, a Mask R-CNN detector for the model of the matching
    detection config. Raises ``KeyError`` naming what does not match, so a
    release of another model is never loaded half-way."""
    kind, state = official_layout(official)
    if kind is None:
        raise KeyError('not an official checkpoint: neither its "model" nor '
                       'its "state_dict" has the official key layout '
                       '(downsample_layers.*, stages.*)')
    stm_type = _stm_type(model.backbone)
    return convert_official_state_dict(
        state, model.state_dict(), block_key_map(stm_type),
        rebuilt_buffers(stm_type), converter_of(kind))


def load_official_weights(model, official):
    """Convert ``official`` for ``model`` and load it strictly; returns the
    converted state dict."""
    converted = convert_official(model, official)
    model.load_state_dict(converted, strict=True)
    return converted


def _convert_official_on_load(module, state_dict, prefix, *args):
    """Load-state-dict pre-hook of :func:`read_official_layouts`."""
    if prefix or official_layout(state_dict)[0] is None:
        return
    converted = convert_official(module, dict(state_dict))
    state_dict.clear()
    state_dict.update(converted)


def read_official_layouts(model):
    """Let ``model`` (a task model with a ``UnifiedBackbone``) load a
    released checkpoint as it is: a load-state-dict pre-hook converts a
    state dict in the official layout, whole and strictly, before any
    weight is copied; every other state dict passes unchanged."""
    model.register_load_state_dict_pre_hook(_convert_official_on_load)
    return model
