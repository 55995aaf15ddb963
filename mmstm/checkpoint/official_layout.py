"""Conversion of the paper's released checkpoints to mmstm keys.

Two kinds of release (github.com/OpenGVLab/STM-Evaluation):

* ImageNet classifiers, weights under ``'model'``: the stem and downsampling
  layers in ``downsample_layers``, blocks in ``stages.i.j``, the per-stage
  norms in ``stage_norms`` and the head in ``conv_head``/``head``;
* Mask R-CNN detectors (mmdet 2.x files), weights under ``'state_dict'``: the
  downstream backbone under ``backbone.`` in the same layout, without
  ``stage_norms`` but with a norm per returned map, ``out_norm_<i>``; neck
  and heads under mmdet's names, which mmdet 3.x kept.

Block-level names differ per mixer: the functions here take ``block_keys``
(official prefix -> mmstm prefix inside a block, merged over
:data:`DEFAULT_BLOCK_KEYS`) and ``rebuilt`` (official buffers the mixer
rebuilds from the input shape: masks, index tables), which the model side
reads from the mixer class (``mmstm.models.backbones.official_weights``).
Values are reshaped to the target shape when only the layout differs (1x1
conv vs linear, layer-scale broadcasting shape).
"""
import re

DEFAULT_BLOCK_KEYS = {
    'gamma_1': 'gamma1',
    'gamma_2': 'gamma2',
    'norm1': 'norm1',
    'norm2': 'norm2',
    'mlp.fc1': 'mlp.fc1',
    'mlp.fc2': 'mlp.fc2',
    'attn': 'stm',
}

NETWORK_KEYS = [
    (r'^downsample_layers\.0\.stem\.0\.', 'backbone.stem.conv_norm1.conv.'),
    (r'^downsample_layers\.0\.stem\.1\.', 'backbone.stem.conv_norm1.norm.'),
    (r'^downsample_layers\.0\.stem\.3\.', 'backbone.stem.conv_norm2.conv.'),
    (r'^downsample_layers\.0\.stem\.4\.', 'backbone.stem.conv_norm2.norm.'),
    (r'^downsample_layers\.(\d)\.reduction\.0\.',
     r'backbone.stages.\1.downsample.conv.'),
    (r'^downsample_layers\.(\d)\.reduction\.1\.',
     r'backbone.stages.\1.downsample.norm.'),
    (r'^stage_norms\.(\d)\.', r'backbone.stages.\1.norm.'),
    (r'^out_norm_(\d)\.', r'backbone.stages.\1.out_norm.'),
    (r'^stages\.(\d)\.0\.pos_embed$',
     r'backbone.stages.\1.pos_embed.embedding'),
    (r'^conv_head\.0\.', 'neck.conv.'),
    (r'^conv_head\.1\.', 'neck.norm.'),
    (r'^head\.', 'head.fc.'),
]
BLOCK_KEY = re.compile(r'^stages\.(\d)\.(\d+)\.(.+)$')
DETECTOR_BACKBONE = 'backbone.'


def is_rebuilt_buffer(key, rebuilt):
    """Whether ``key`` is an official block buffer named in ``rebuilt``."""
    match = BLOCK_KEY.match(_backbone_key(key))
    return bool(match) and match.group(3) in rebuilt


def _backbone_key(key):
    """A detector's backbone key without its ``backbone.`` prefix."""
    if key.startswith(DETECTOR_BACKBONE):
        return key[len(DETECTOR_BACKBONE):]
    return key


def convert_detector_key(key, block_keys):
    """The mmstm detector key of a released Mask R-CNN key: the backbone's
    converted, neck and heads unchanged."""
    if key.startswith(DETECTOR_BACKBONE):
        return convert_key(_backbone_key(key), block_keys)
    return key


def convert_key(key, block_keys):
    """The mmstm classifier key of an official key (``None``: no match)."""
    for pattern, replacement in NETWORK_KEYS:
        if re.match(pattern, key):
            return re.sub(pattern, replacement, key)
    match = BLOCK_KEY.match(key)
    if match:
        stage, block, rest = match.groups()
        for official, ours in sorted(block_keys.items(),
                                     key=lambda kv: -len(kv[0])):
            if rest == official or rest.startswith(official + '.'):
                return (f'backbone.stages.{stage}.blocks.{block}.'
                        f'{ours}{rest[len(official):]}')
    return None


def rename_official_keys(official, block_keys, rebuilt=(),
                         convert=convert_key):
    """``(renamed, unmapped)``: ``official`` under mmstm keys (values as
    they are; the buffers in ``rebuilt`` dropped) and the official keys
    ``convert`` has no name for; ``block_keys`` is the mixer's whole map
    (:data:`DEFAULT_BLOCK_KEYS` with its renames)."""
    renamed, unmapped = {}, []
    for key, value in official.items():
        if is_rebuilt_buffer(key, rebuilt):
            continue
        new_key = convert(key, block_keys)
        if new_key is None:
            unmapped.append(key)
        else:
            renamed[new_key] = value
    return renamed, unmapped


def fit_shape(key, value, target_shape):
    """``value`` reshaped to ``target_shape`` where only the layout differs
    (1x1 conv vs linear, layer-scale broadcasting shape)."""
    if value.shape == target_shape:
        return value
    if value.numel() != target_shape.numel():
        raise ValueError(
            f'{key}: checkpoint shape {tuple(value.shape)} does not fit '
            f'{tuple(target_shape)}; is the arch right?')
    return value.reshape(target_shape)


def convert_official_state_dict(official, target, block_keys, rebuilt=(),
                                convert=convert_key):
    """Map ``official`` (a state dict in the official layout) onto the keys
    and shapes of ``target`` (an mmstm model's state dict), with the
    mixer's ``block_keys`` and ``rebuilt`` buffers; ``convert`` maps
    one key (:func:`convert_key` for classifiers,
    :func:`convert_detector_key` for detectors).

    Raises ``KeyError`` naming every official key without an mmstm
    counterpart and every mmstm key left unfilled, and ``ValueError`` for a
    shape that no reshape explains, so a mismatching checkpoint is never
    loaded half-way.
    """
    renamed, unmapped = rename_official_keys(official, block_keys, rebuilt,
                                             convert)
    unmapped += [f'-> {key}' for key in renamed if key not in target]
    converted = {key: fit_shape(key, value, target[key].shape)
                 for key, value in renamed.items() if key in target}
    missing = sorted(set(target) - set(converted))
    if unmapped or missing:
        raise KeyError(f'checkpoint does not match the model: unmapped '
                       f'official keys {unmapped[:10]} ({len(unmapped)}), '
                       f'model keys not in the checkpoint {missing[:10]} '
                       f'({len(missing)})')
    return converted


def official_layout(checkpoint):
    """``(kind, state_dict)`` of a checkpoint in an official layout: kind
    ``'classifier'`` (an ImageNet release, weights under ``'model'``) or
    ``'detector'`` (a Mask R-CNN release); ``(None, None)`` for any other
    layout (e.g. one already converted to mmstm)."""
    if isinstance(checkpoint.get('model'), dict):
        checkpoint = checkpoint['model']
    elif isinstance(checkpoint.get('state_dict'), dict):
        checkpoint = checkpoint['state_dict']
    if any(k.startswith('downsample_layers.') for k in checkpoint):
        return 'classifier', checkpoint
    if any(k.startswith(DETECTOR_BACKBONE + 'downsample_layers.')
           for k in checkpoint):
        return 'detector', checkpoint
    return None, None


def converter_of(kind):
    """The key converter of an official layout ``kind``."""
    return convert_detector_key if kind == 'detector' else convert_key
