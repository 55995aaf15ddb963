"""The contract every registered mixer keeps (mmstm/models/stms/base.py),
for every mixer configuration the arch table uses, in the classification
and the downstream form: any input size, channels-last only, gradients to
every parameter, samples mixed on their own, its own initialisation under
any init_cfg, and shape-derived geometry built once per shape and
bounded."""
import pytest
import torch

from mmstm.models.backbones import ARCHS, UnifiedBackbone
from mmstm.models.backbones.archs import resolve_arch, stage_stm_cfgs
from mmstm.models.stms import mixer_class, registered_mixers
from mmstm.models.stms.mechanics import ShapeCache

from tests.conftest import tiny_arch

EMBED_DIMS = 16


def arch_mixer_cfgs():
    """Every distinct mixer config of the arch table (first and last stage
    of each micro arch, every block of Swin's regular/shifted cycle), in
    its classification form and with its downstream options, at 2 heads."""
    cfgs = {}
    for name in ARCHS:
        if not name.endswith('-micro'):
            continue
        arch = resolve_arch(name)
        for stage in (0, 3):
            for cfg in stage_stm_cfgs(dict(arch, depths=[2] * 4), stage):
                cfg = dict(cfg, num_heads=2) if 'num_heads' in cfg else cfg
                options = getattr(mixer_class(cfg['type']),
                                  'DOWNSTREAM_OPTIONS', {})
                for form in ({}, options):
                    full = dict(cfg, **form)
                    cfgs[repr(sorted(full.items()))] = full
    return list(cfgs.values())


MIXER_CFGS = arch_mixer_cfgs()


def cfg_id(cfg):
    return '-'.join(f'{v}' for k, v in sorted(cfg.items()))


def build(cfg, **kwargs):
    options = {k: v for k, v in cfg.items() if k != 'type'}
    return mixer_class(cfg['type'])(EMBED_DIMS, **options, **kwargs)


def test_every_registered_mixer_is_covered():
    assert {cfg['type'] for cfg in MIXER_CFGS} == set(registered_mixers())


@pytest.mark.parametrize('cfg', MIXER_CFGS, ids=cfg_id)
def test_any_size_keeps_its_shape(cfg):
    mixer = build(cfg).eval()
    for size in [(1, 1), (3, 5), (7, 7), (13, 29)]:
        x = torch.randn(2, *size, EMBED_DIMS)
        with torch.no_grad():
            out = mixer(x)
        assert out.shape == x.shape and torch.isfinite(out).all(), size


@pytest.mark.parametrize('cfg', MIXER_CFGS, ids=cfg_id)
def test_channels_first_input_is_refused_by_name(cfg):
    with pytest.raises(ValueError, match='channels-last'):
        build(cfg)(torch.randn(1, EMBED_DIMS, 5, 9))


@pytest.mark.parametrize('cfg', MIXER_CFGS, ids=cfg_id)
def test_gradients_reach_every_parameter(cfg):
    # default (random) weights: every parameter is connected to the output
    # (at their init_weights, DCNv3's zero offsets leave its query branch
    # without gradient for the first step, by design)
    mixer = build(cfg)
    x = torch.randn(2, 14, 21, EMBED_DIMS, requires_grad=True)
    out = mixer(x)
    (out * torch.randn_like(out)).sum().backward()
    assert x.grad.abs().sum() > 0  # (a mixer may have no parameters)
    for name, param in mixer.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.parametrize('cfg', MIXER_CFGS, ids=cfg_id)
def test_each_sample_is_mixed_on_its_own(cfg):
    """The execution layer runs a mixer on parts of a batch
    (mmstm/models/execution/residual.py): a mixer must not mix samples,
    unless it says so (``samplewise``, false where it holds BatchNorm)."""
    mixer = build(cfg).train()
    if not mixer.samplewise:
        pytest.skip('BatchNorm: the blocks compute the whole batch')
    x = torch.randn(4, 6, 9, EMBED_DIMS)
    kept = torch.tensor([3, 1])
    with torch.no_grad():
        torch.testing.assert_close(mixer(x)[kept], mixer(x[kept]))


@pytest.mark.parametrize('cfg', MIXER_CFGS, ids=cfg_id)
def test_cached_geometry_is_reused_and_bounded(cfg):
    mixer = build(cfg).eval()
    caches = [v for v in vars(mixer).values() if isinstance(v, ShapeCache)]
    with torch.no_grad():
        for size in [(5, 9)] * 3 + [(h, 3) for h in range(1, 41)]:
            mixer(torch.randn(1, *size, EMBED_DIMS))
    for cache in caches:
        assert len(cache) == cache.capacity


@pytest.mark.parametrize('family', sorted({n.split('-')[0] for n in ARCHS}))
@pytest.mark.parametrize('init_cfg', [
    None, dict(type='Kaiming', layer=['Conv2d', 'Linear']),
    dict(type='TruncNormal', layer='Linear', std=0.02)])
def test_mixers_own_initialisation_runs_under_any_init_cfg(family, init_cfg):
    # a mixer's init_weights (e.g. DCNv3's zero offsets) is reached through
    # the backbone's plain containers whatever the backbone's init_cfg
    backbone = UnifiedBackbone(tiny_arch(family), init_cfg=init_cfg)
    called = []
    for module in backbone.modules():
        if hasattr(module, 'check_input'):  # a mixer
            own = module.init_weights
            module.init_weights = lambda own=own: called.append(own())
    backbone.init_weights()
    assert len(called) == sum(backbone.arch['depths'])


def test_a_shape_cache_builds_once_per_key_and_drops_the_oldest():
    cache, built = ShapeCache(capacity=2), []
    for key in ['a', 'b', 'a', 'c', 'a', 'b']:
        cache.get(key, built.append, key)
    assert built == ['a', 'b', 'c', 'b']  # 'b' was the least recently used
    assert len(cache) == 2
