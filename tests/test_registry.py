import pytest
import torch
from mmengine.registry import DefaultScope, init_default_scope

from tests.conftest import TINY_ARCH


def library_registry(scope):
    if scope == 'mmpretrain':
        from mmpretrain.registry import MODELS
    elif scope == 'mmdet':
        from mmdet.registry import MODELS
    else:
        from mmseg.registry import MODELS
    return MODELS


@pytest.mark.parametrize('scope', ['mmpretrain', 'mmdet', 'mmseg'])
def test_backbone_builds_under_every_library_scope(scope):
    registry = library_registry(scope)
    name = f'test-registry-{scope}'
    DefaultScope.get_instance(name, scope_name=scope)
    with DefaultScope.overwrite_default_scope(scope):
        assert DefaultScope.get_current_instance().scope_name == scope
        backbone = registry.build(dict(
            type='mmstm.UnifiedBackbone', arch=TINY_ARCH,
            out_indices=(0, 1, 2, 3)))
    assert type(backbone).__module__.startswith('mmstm.')
    mixer = backbone.stages[0].blocks[0].stm
    assert type(mixer).__name__ == 'DepthwiseConvMixer'
    outs = backbone(torch.randn(1, 3, 64, 64))
    assert len(outs) == 4


def test_mmstm_names_are_not_found_without_the_prefix_elsewhere():
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    with pytest.raises(KeyError):
        MODELS.build(dict(type='UnifiedBackbone', arch=TINY_ARCH))


def test_custom_imports_reach_mmstm_from_a_config(tmp_path):
    from mmdet.registry import MODELS
    from mmengine.config import Config
    cfg_file = tmp_path / 'cfg.py'
    cfg_file.write_text(
        "custom_imports = dict(imports=['mmstm.models'], "
        "allow_failed_imports=False)\n"
        f"backbone = dict(type='mmstm.UnifiedBackbone', arch={TINY_ARCH!r})\n")
    cfg = Config.fromfile(str(cfg_file))
    with DefaultScope.overwrite_default_scope('mmdet'):
        assert MODELS.build(cfg.backbone).arch['dims'] == TINY_ARCH['dims']
