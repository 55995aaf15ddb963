"""The models of the three tasks with a unified backbone, as config types:
the library's own model (mmpretrain's ImageClassifier, mmdet's MaskRCNN,
mmseg's EncoderDecoder; same state dict, hooks and tools) whose neck and
heads take their input channels from the backbone's arch, so configs do not
repeat numbers the arch determines. A channel number set in the config
wins. The classifier and the detector read the paper's released checkpoints
as they are (:func:`~.backbones.official_weights.read_official_layouts`).
"""
import inspect

from mmstm.registry import MODELS

from .backbones import UnifiedBackbone
from .backbones.archs import resolve_arch
from .backbones.official_weights import read_official_layouts

__all__ = ['UnifiedImageClassifier', 'UnifiedMaskRCNN',
           'UnifiedEncoderDecoder']


def mmstm_neck(neck):
    """The class of an mmstm neck config that reports its output width
    (``output_channels``); None for other necks (their widths are left to
    the config)."""
    if neck is None or not str(neck.get('type', '')).startswith('mmstm.'):
        return None
    cls = MODELS.get(neck['type'])
    return cls if hasattr(cls, 'output_channels') else None


def output_channels(backbone):
    """Channels of the maps a ``UnifiedBackbone`` config returns."""
    if 'arch' not in backbone:
        raise ValueError(
            f'the Unified* model types read channels from a UnifiedBackbone '
            f'config; got backbone {backbone.get("type")!r} without an arch '
            '(use the library\'s own model type with another backbone)')
    default = inspect.signature(UnifiedBackbone).parameters['out_indices']
    out_indices = UnifiedBackbone._check_out_indices(
        backbone.get('out_indices', default.default))
    dims = resolve_arch(backbone['arch'])['dims']
    return [dims[i] for i in out_indices]


def with_channels(module, channels):
    """A copy of the module config ``module`` whose unset (missing or
    ``None``) ``in_channels`` is ``channels``."""
    module = dict(module)
    if module.get('in_channels') is None:
        module['in_channels'] = channels
    return module


@MODELS.register_module()
def UnifiedImageClassifier(backbone, neck=None, head=None, **kwargs):
    """mmpretrain's ``ImageClassifier`` with ``neck.in_channels`` (mmstm's
    necks) and ``head.in_channels`` filled in where the config leaves them
    unset."""
    from mmpretrain.registry import MODELS as MMPRETRAIN_MODELS
    width = output_channels(backbone)[-1]
    neck_class = mmstm_neck(neck)
    if neck_class is not None:
        neck = with_channels(neck, width)
        options = {k: v for k, v in neck.items() if k != 'type'}
        width = neck_class.output_channels(**options)
    if head is not None:
        head = with_channels(head, width)
    return read_official_layouts(MMPRETRAIN_MODELS.build(dict(
        type='mmpretrain.ImageClassifier', backbone=backbone, neck=neck,
        head=head, **kwargs)))


@MODELS.register_module()
def UnifiedMaskRCNN(backbone, neck, **kwargs):
    """mmdet's ``MaskRCNN`` with the FPN's ``in_channels`` filled in."""
    from mmdet.registry import MODELS as MMDET_MODELS
    return read_official_layouts(MMDET_MODELS.build(dict(
        type='mmdet.MaskRCNN', backbone=backbone,
        neck=with_channels(neck, output_channels(backbone)), **kwargs)))


@MODELS.register_module()
def UnifiedEncoderDecoder(backbone, decode_head, auxiliary_head=None,
                          **kwargs):
    """mmseg's ``EncoderDecoder`` with the decode head's and the auxiliary
    head's ``in_channels`` filled in (the maps at their ``in_index``)."""
    from mmseg.registry import MODELS as MMSEG_MODELS
    channels = output_channels(backbone)

    def at_in_index(head):
        index = head.get('in_index', -1)
        if isinstance(index, int):
            return channels[index]
        return [channels[i] for i in index]

    if auxiliary_head is not None:
        auxiliary_head = with_channels(auxiliary_head,
                                       at_in_index(auxiliary_head))
    return MMSEG_MODELS.build(dict(
        type='mmseg.EncoderDecoder', backbone=backbone,
        decode_head=with_channels(decode_head, at_in_index(decode_head)),
        auxiliary_head=auxiliary_head, **kwargs))
