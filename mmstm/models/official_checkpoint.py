"""Conversion of the paper's released checkpoints to mmstm classifier keys.

The official models (github.com/OpenGVLab/STM-Evaluation) store the stem and
downsampling layers in ``downsample_layers``, blocks in ``stages.i.j``, the
per-stage norms in ``stage_norms`` and the head in ``conv_head``/``head``.
Block-level names differ per mixer: a mixer class lists its own renames in
``OFFICIAL_BLOCK_KEYS`` (official prefix -> mmstm prefix inside the block),
merged over the defaults below, and in ``OFFICIAL_IGNORED_KEYS`` the official
buffers it rebuilds from the input shape (masks, index tables). Values are reshaped to the target shape when
only the layout differs (1x1 conv vs linear, layer-scale broadcasting shape).
"""
import re

from mmstm.registry import MODELS

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
    (r'^stages\.(\d)\.0\.pos_embed$',
     r'backbone.stages.\1.pos_embed.embedding'),
    (r'^conv_head\.0\.', 'neck.conv.'),
    (r'^conv_head\.1\.', 'neck.norm.'),
    (r'^head\.', 'head.fc.'),
]
BLOCK_KEY = re.compile(r'^stages\.(\d)\.(\d+)\.(.+)$')


def _mixer(stm_type):
    mixer = MODELS.get(stm_type)
    if mixer is None:
        raise KeyError(f'unknown mixer type {stm_type!r}')
    return mixer


def block_key_map(stm_type):
    """Official -> mmstm block-level prefixes for the mixer ``stm_type``."""
    return dict(DEFAULT_BLOCK_KEYS,
                **getattr(_mixer(stm_type), 'OFFICIAL_BLOCK_KEYS', {}))


def is_rebuilt_buffer(key, stm_type):
    """Whether ``key`` is an official buffer the mixer rebuilds itself."""
    match = BLOCK_KEY.match(key)
    return bool(match) and match.group(3) in getattr(
        _mixer(stm_type), 'OFFICIAL_IGNORED_KEYS', ())


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


def convert_official_state_dict(official, target, stm_type):
    """Map ``official`` (a state dict in the official layout) onto the keys
    and shapes of ``target`` (an mmstm classifier's state dict).

    Raises ``KeyError`` naming every official key without an mmstm
    counterpart and every mmstm key left unfilled, and ``ValueError`` for a
    shape that no reshape explains, so a mismatching checkpoint is never
    loaded half-way.
    """
    block_keys = block_key_map(stm_type)
    converted, unmapped = {}, []
    for key, value in official.items():
        if is_rebuilt_buffer(key, stm_type):
            continue
        new_key = convert_key(key, block_keys)
        if new_key is None or new_key not in target:
            unmapped.append(key if new_key is None else f'{key} -> {new_key}')
            continue
        shape = target[new_key].shape
        if value.shape != shape:
            if value.numel() != target[new_key].numel():
                raise ValueError(
                    f'{key}: checkpoint shape {tuple(value.shape)} does not '
                    f'fit {new_key} {tuple(shape)}; is the arch right?')
            value = value.reshape(shape)
        converted[new_key] = value
    missing = sorted(set(target) - set(converted))
    if unmapped or missing:
        raise KeyError(f'checkpoint does not match the model: unmapped '
                       f'official keys {unmapped[:10]} ({len(unmapped)}), '
                       f'model keys not in the checkpoint {missing[:10]} '
                       f'({len(missing)})')
    return converted


def load_official_weights(classifier, official):
    """Convert ``official`` for ``classifier`` (an mmpretrain
    ``ImageClassifier`` with an mmstm backbone and ``ExpandPoolNeck``) and
    load it strictly. ``official`` may be a released checkpoint (weights
    under ``'model'``) or a bare state dict."""
    if 'model' in official and isinstance(official['model'], dict):
        official = official['model']
    stm_types = {cfg['type'] for cfg in classifier.backbone.arch['stm']}
    if len(stm_types) != 1:
        raise ValueError(f'expected one mixer type, got {sorted(stm_types)}')
    converted = convert_official_state_dict(
        official, classifier.state_dict(), stm_types.pop())
    classifier.load_state_dict(converted, strict=True)
    return converted
