"""mmstm.UnifiedImageClassifier: mmpretrain's ImageClassifier whose neck and
head input channels come from the backbone's arch."""
import pytest
from mmengine.registry import DefaultScope

from tests.conftest import tiny_arch


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
