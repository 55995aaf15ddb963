"""Mixed precision for every config: ``--amp bfloat16`` trains every family
in bfloat16 (on the CPU through mmstm's autocast wrapper), ``--amp``
float16 keeps the paper's dynamic loss scale, and a float16 recipe without
CUDA trains in float32."""
import glob
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import OptimWrapper, build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

from mmstm.engine import (AMP_DTYPES, AutocastOptimWrapper, amp_without_cuda,
                          use_amp)

from tests.conftest import (REPO_ROOT, STM_FAMILIES, config_of, on_demo_images,
                            tiny_arch)

CONFIGS = sorted(p for p in glob.glob(osp.join(REPO_ROOT, 'configs', '**',
                                               '*.py'), recursive=True)
                 if '_base_' not in p)
needs_no_cuda = pytest.mark.skipif(torch.cuda.is_available(),
                                   reason='the fallback without CUDA')


@pytest.mark.slow
def test_every_config_takes_bfloat16_amp():
    refused = []
    for path in CONFIGS:
        cfg = Config.fromfile(path)
        if 'optim_wrapper' not in cfg:
            continue  # e.g. the robustness benchmarks' test-only configs
        use_amp(cfg, 'bfloat16')
        wrapper = cfg.optim_wrapper
        if (wrapper.type, wrapper.dtype, wrapper.loss_scale) != \
                ('AmpOptimWrapper', 'bfloat16', dict(enabled=False)):
            refused.append(path)
    assert len(CONFIGS) > 200 and not refused


def train_in(dtype, family, data_root, work_dir):
    """Two steps of the family's micro ImageNet config (a tiny arch) with
    ``--amp dtype`` on the demo images; checks that the training forward was
    autocast and every parameter stays finite in float32."""
    cfg = Config.fromfile(config_of('classification', family,
                                    f'{family}-micro_*_in1k.py'))
    cfg = on_demo_images(use_amp(cfg, dtype), data_root, work_dir)
    cfg.model.backbone.arch = tiny_arch(family)
    runner = Runner.from_cfg(cfg)
    model = runner.model
    seen = set()
    model.head.fc.register_forward_hook(
        lambda module, args, out: seen.add(out.dtype))
    before = [p.detach().clone() for p in model.parameters()]
    runner.train()
    assert seen == {getattr(torch, dtype)}  # the training forward
    loss = runner.message_hub.get_scalar('train/loss').current()
    assert math.isfinite(loss) and 3 < loss < 12
    after = list(model.parameters())
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all()
               for p in after)  # float32 master weights, updated
    assert sum(not torch.equal(a.cpu(), b.cpu())
               for a, b in zip(before, after)) > len(after) // 2
    return cfg


@needs_no_cuda
@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_family_trains_a_step_in_bfloat16_on_the_cpu(
        family, demo_classification, tmp_path):
    cfg = train_in('bfloat16', family, demo_classification, tmp_path)
    assert cfg.optim_wrapper.type == 'mmstm.AutocastOptimWrapper'


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('dtype', AMP_DTYPES)
@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_family_trains_a_step_on_cuda(family, dtype,
                                            demo_classification, tmp_path):
    cfg = train_in(dtype, family, demo_classification, tmp_path)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


def test_amp_float16_scales_the_loss_and_bfloat16_does_not():
    cfg = Config.fromfile(config_of('detection', 'swin',
                                    'mask-rcnn_swin-tiny_*_1x_coco.py'))
    assert cfg.optim_wrapper.type == 'OptimWrapper'  # the paper's float32
    use_amp(cfg, 'bfloat16')
    assert cfg.optim_wrapper.loss_scale == dict(enabled=False)
    use_amp(cfg, 'float16')  # switching back restores the scaling
    assert (cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == \
        ('float16', 'dynamic')
    with pytest.raises(ValueError, match="'float8'"):
        use_amp(cfg, 'float8')
    cfg.optim_wrapper.type = 'ApexOptimWrapper'
    with pytest.raises(ValueError, match='ApexOptimWrapper'):
        use_amp(cfg, 'bfloat16')


@needs_no_cuda
def test_a_float16_recipe_trains_in_float32_without_cuda():
    cfg = Config.fromfile(config_of('classification', 'swin',
                                    'swin-micro_*_in1k.py'))
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'  # the paper's
    wrapper = amp_without_cuda(cfg).optim_wrapper
    assert wrapper.type == 'OptimWrapper'
    assert 'loss_scale' not in wrapper and 'dtype' not in wrapper


def test_autocast_wrapper_builds_from_a_config_and_resumes_amp_state():
    init_default_scope('mmpretrain')
    model = torch.nn.Linear(4, 2)
    wrapper = build_optim_wrapper(model, dict(
        type='mmstm.AutocastOptimWrapper',
        optimizer=dict(type='AdamW', lr=0.1)))
    assert type(wrapper) is AutocastOptimWrapper
    with wrapper.optim_context(model):
        out = model(torch.randn(3, 4))
    assert out.dtype == torch.bfloat16
    wrapper.update_params(out.float().square().mean())
    state = wrapper.state_dict()
    # a checkpoint of mmengine's AmpOptimWrapper carries its loss scale
    state['loss_scaler'] = {'scale': 65536.0}
    other = build_optim_wrapper(model, dict(
        type='mmstm.AutocastOptimWrapper',
        optimizer=dict(type='AdamW', lr=0.1)))
    other.load_state_dict(state)
    assert other.optimizer.state_dict()['state'][0]['step'] == 1
    with pytest.raises(ValueError, match='float16'):
        AutocastOptimWrapper(optimizer=torch.optim.SGD(
            model.parameters(), lr=0.1), dtype='float16')
    assert isinstance(wrapper, OptimWrapper)
