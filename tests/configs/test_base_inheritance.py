"""mmstm configs inherit from the installed libraries' bases."""
import os.path as osp

import pytest
from mmengine.config import Config

from tests.conftest import REPO_ROOT

CLASSIFICATION_DEMO = osp.join(
    REPO_ROOT, 'configs/classification/demo',
    'convnext-micro_1xb64_demo-shapes.py')


@pytest.mark.parametrize('base, key, expected', [
    ('mmdet::_base_/models/mask-rcnn_r50_fpn.py', 'model.type', 'MaskRCNN'),
    ('mmseg::_base_/models/upernet_r50.py', 'model.decode_head.type',
     'UPerHead'),
    ('mmpretrain::_base_/default_runtime.py', 'default_scope', 'mmpretrain'),
])
def test_library_bases_resolve(tmp_path, base, key, expected):
    cfg_file = tmp_path / 'leaf.py'
    cfg_file.write_text(f"_base_ = ['{base}']\n")
    cfg = Config.fromfile(str(cfg_file))
    value = cfg
    for part in key.split('.'):
        value = value[part]
    assert value == expected


def test_demo_config_builds_the_unified_classifier():
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(CLASSIFICATION_DEMO)
    assert cfg.default_scope == 'mmpretrain'
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    assert type(model.backbone).__name__ == 'UnifiedBackbone'
    assert model.backbone.arch['dims'] == [32, 64, 128, 256]
    assert model.neck.out_channels == model.head.fc.in_features == 384
    assert model.head.fc.out_features == 6
