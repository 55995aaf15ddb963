"""The task models (mmstm/models/task_models.py): the libraries' own models
whose neck and head input channels come from the backbone's arch."""
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope

from tests.conftest import DEMOS, tiny_arch


def build(**model):
    from mmpretrain.models import ImageClassifier
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = MODELS.build(dict(type='mmstm.UnifiedImageClassifier',
                                       **model))
    assert type(classifier) is ImageClassifier
    return classifier


BACKBONE = dict(type='mmstm.UnifiedBackbone', arch=tiny_arch('convnext'))
HEAD = dict(type='LinearClsHead', num_classes=3)


@pytest.mark.parametrize('neck, head_width', [
    (dict(type='mmstm.ExpandPoolNeck'), 48),
    (dict(type='mmstm.ExpandPoolNeck', expand_ratio=2.0), 64),
    (dict(type='mmstm.PoolNormNeck'), 32),
    (dict(type='GlobalAveragePooling'), 32),
    (None, 32)])
def test_neck_and_head_take_the_backbone_width(neck, head_width):
    classifier = build(backbone=BACKBONE, neck=neck, head=HEAD)
    assert classifier.head.fc.in_features == head_width


def test_the_width_of_the_last_returned_stage():
    backbone = dict(BACKBONE, out_indices=(1, 2))  # dims 8-16-32-32
    classifier = build(backbone=backbone, neck=dict(type='mmstm.PoolNormNeck'),
                       head=HEAD)
    assert classifier.head.fc.in_features == 32


def test_a_channel_number_in_the_config_wins():
    classifier = build(backbone=BACKBONE,
                       neck=dict(type='mmstm.ExpandPoolNeck', in_channels=24),
                       head=dict(HEAD, in_channels=10))
    assert classifier.neck.conv.in_channels == 24
    assert classifier.head.fc.in_features == 10


def test_mask_rcnn_fpn_takes_the_returned_maps_channels():
    from mmdet.registry import MODELS
    backbone = dict(BACKBONE, downstream=True, out_indices=(0, 1, 2, 3))
    cfg = Config.fromfile(DEMOS['detection']).model
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector = MODELS.build(dict(cfg, backbone=backbone,
                                     neck=dict(cfg.neck, in_channels=None)))
    assert type(detector).__name__ == 'MaskRCNN'
    assert [c.conv.in_channels for c in detector.neck.lateral_convs] == \
        [8, 16, 32, 32]


def test_upernet_heads_take_the_maps_at_their_in_index():
    from mmseg.registry import MODELS
    backbone = dict(BACKBONE, downstream=True, out_indices=(0, 1, 2, 3))
    cfg = Config.fromfile(DEMOS['segmentation']).model
    with DefaultScope.overwrite_default_scope('mmseg'):
        segmentor = MODELS.build(dict(cfg, backbone=backbone))
    assert type(segmentor).__name__ == 'EncoderDecoder'
    assert segmentor.decode_head.in_channels == [8, 16, 32, 32]
    assert segmentor.auxiliary_head.in_channels == 32  # in_index 2


def test_another_backbone_is_answered_with_the_library_type():
    with pytest.raises(ValueError, match="library's own model type"):
        build(backbone=dict(type='ResNet', depth=18), neck=None, head=HEAD)
