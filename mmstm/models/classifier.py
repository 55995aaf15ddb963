"""The unified classifier as a config type: mmpretrain's ImageClassifier
whose neck and head take their input channels from the backbone's arch, so
configs do not repeat numbers the arch determines. It builds mmpretrain's
own class (same state dict, hooks and tools); a channel number set in the
config wins."""
from mmstm.registry import MODELS

from .backbones.archs import resolve_arch

# output width of mmstm's necks for an input width (others keep the width)
NECK_WIDTH = {
    'mmstm.ExpandPoolNeck': lambda neck: int(
        neck['in_channels'] * neck.get('expand_ratio', 1.5)),
    'mmstm.PoolNormNeck': lambda neck: neck['in_channels'],
}


def last_output_channels(backbone):
    """Channels of the last map a ``UnifiedBackbone`` config returns."""
    out_indices = backbone.get('out_indices', (3, ))
    if isinstance(out_indices, int):
        out_indices = (out_indices, )
    return resolve_arch(backbone['arch'])['dims'][out_indices[-1]]


@MODELS.register_module()
def UnifiedImageClassifier(backbone, neck=None, head=None, **kwargs):
    """mmpretrain's ``ImageClassifier`` with ``neck.in_channels`` (mmstm's
    necks) and ``head.in_channels`` filled in where the config leaves them
    unset."""
    from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    width = last_output_channels(backbone)
    if neck is not None and neck.get('type') in NECK_WIDTH:
        neck = dict(neck)
        neck.setdefault('in_channels', width)
        width = NECK_WIDTH[neck['type']](neck)
    if head is not None:
        head = dict(head)
        head.setdefault('in_channels', width)
    return MMPRETRAIN_MODELS.build(dict(
        type='mmpretrain.ImageClassifier', backbone=backbone, neck=neck,
        head=head, **kwargs))
