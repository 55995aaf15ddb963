import json
import math
import re

import pytest
import torch

from mmstm.models.backbones import ARCHS, UnifiedBackbone
from mmstm.models.backbones.unified import OUT_NORM_KEY

from tests.conftest import (RELEASED_ARCHS, STM_FAMILIES, TINY_ARCH, data_file,
                            tiny_arch)


def tiny(**kwargs):
    return UnifiedBackbone(arch=TINY_ARCH, **kwargs)


def tiny_of(family, **kwargs):
    return UnifiedBackbone(arch=tiny_arch(family), **kwargs)


def random_projection(outs):
    # A plain mean of a LayerNorm output is constant: project randomly.
    return sum((o * torch.randn_like(o)).sum() for o in outs)


@pytest.mark.parametrize('family', STM_FAMILIES)
@pytest.mark.parametrize('size', [(224, 224), (256, 256), (97, 131),
                                  (800, 1216)])
def test_every_mixer_gives_strides_4_to_32_at_any_size(family, size):
    model = tiny_of(family, out_indices=(0, 1, 2, 3))
    x = torch.randn(1, 3, *size)
    for training in (False, True):
        model.train(training)
        outs = model(x)
        for stage, out in enumerate(outs):
            stride = 4 * 2**stage
            assert tuple(out.shape) == (1, model.arch['dims'][stage],
                                        math.ceil(size[0] / stride),
                                        math.ceil(size[1] / stride))
            assert torch.isfinite(out).all()
    random_projection(outs).backward()


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_out_indices_select_stages(family):
    model = tiny_of(family, out_indices=(1, -1))
    outs = model(torch.randn(1, 3, 64, 64))
    assert [o.shape[1] for o in outs] == [16, 32]
    assert model.out_channels == [16, 32]
    with pytest.raises(ValueError, match='out_indices'):
        tiny_of(family, out_indices=(4, ))


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_parameter_gets_a_gradient(family):
    torch.manual_seed(0)
    # Constructor weights: after init_weights DCNv3's offset branch starts
    # at zero, so its gradient only reaches the query conv from step two.
    model = tiny_of(family, out_indices=(0, 1, 2, 3), drop_path_rate=0.1)
    random_projection(model(torch.randn(2, 3, 61, 45))).backward()
    missing = [n for n, p in model.named_parameters()
               if p.grad is None or not p.grad.abs().sum() > 0]
    assert not missing


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_mixer_trains_under_cpu_autocast_with_stochastic_depth(family):
    # mixed precision on the CPU is bfloat16 (benchmark.py --amp, mmengine's
    # AmpOptimWrapper); at a drop rate of 0.5 some samples skip branches
    torch.manual_seed(0)
    model = tiny_of(family, out_indices=(0, 1, 2, 3), drop_path_rate=0.5)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        outs = [o.float() for o in model(torch.randn(4, 3, 64, 64))]
    assert all(torch.isfinite(o).all() for o in outs)
    random_projection(outs).backward()
    assert all(p.grad is not None for p in model.parameters())


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_with_cp_gives_the_same_outputs_and_gradients(family):
    torch.manual_seed(0)
    plain = tiny_of(family, out_indices=(0, 1, 2, 3))
    checkpointed = tiny_of(family, out_indices=(0, 1, 2, 3), with_cp=True)
    checkpointed.load_state_dict(plain.state_dict())
    x = torch.randn(2, 3, 40, 56)
    grads = []
    for model in (plain, checkpointed):
        model.zero_grad()
        outs = model(x)
        sum(o.square().mean() for o in outs).backward()
        grads.append([p.grad.clone() for p in model.parameters()])
    for a, b in zip(grads[0], grads[1]):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize('family', STM_FAMILIES)
@pytest.mark.parametrize('frozen_stages', [-1, 0, 2, 4])
def test_frozen_stages_follow_the_resnet_convention(family, frozen_stages):
    model = tiny_of(family, frozen_stages=frozen_stages).train()
    frozen = [model.stem] + list(model.stages[:max(frozen_stages, 0)])
    if frozen_stages < 0:
        frozen = []
    for module in [model.stem] + list(model.stages):
        trainable = any(p.requires_grad for p in module.parameters())
        assert trainable == (module not in frozen)
        assert module.training == (module not in frozen)


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_frozen_stages_keep_their_weights_while_training(family):
    model = tiny_of(family, frozen_stages=1)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    optim = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=0.1)
    random_projection(model(torch.randn(2, 3, 32, 32))).backward()
    optim.step()
    after = model.state_dict()
    changed = {n for n in before if not torch.equal(before[n], after[n])}
    assert not {n for n in changed if n.startswith(('stem.', 'stages.0.'))}
    assert any(n.startswith('stages.3.') for n in changed)


def test_layer_scale_and_drop_path_options():
    model = tiny(layer_scale_init_value=0.0, drop_path_rate=0.3)
    block = model.stages[3].blocks[0]
    assert block.gamma1 == block.gamma2 == 1.0
    assert not any('gamma' in key for key in model.state_dict())
    assert block.drop_path.drop_prob == pytest.approx(0.3)
    assert model.stages[0].blocks[0].drop_path.__class__.__name__ == 'Identity'


def test_stm_cfg_overrides_the_mixer_options():
    model = tiny(stm_cfg=dict(kernel_size=5))
    assert model.stages[0].blocks[0].stm.dwconv.kernel_size == (5, 5)


@pytest.mark.parametrize('arch, message', [
    ('convnext-huge', 'Unknown arch'),
    (dict(TINY_ARCH, widths=[1, 2, 3, 4]), "Unknown arch key.*widths"),
    (dict(dims=[8, 16, 24, 32], depths=[1, 1, 1, 1]), 'missing.*stm'),
    (dict(TINY_ARCH, depths=[1, 1, 1]), 'depths.*list of 4'),
    (dict(TINY_ARCH, mlp_ratios=[4, 4]), 'mlp_ratios.*list of 4'),
    (dict(TINY_ARCH, stm=dict(kernel_size=3)), 'stm.*"type"'),
])
def test_bad_arch_fails_at_construction_with_a_clear_message(arch, message):
    with pytest.raises((KeyError, ValueError), match=message):
        UnifiedBackbone(arch=arch)


def test_wrong_mixer_option_names_the_mixer():
    with pytest.raises(TypeError, match='kernel'):
        UnifiedBackbone(arch=dict(TINY_ARCH, stm=dict(
            type='DepthwiseConvMixer', kernel=3)))


@pytest.mark.parametrize('arch', RELEASED_ARCHS)
def test_parameter_counts_equal_the_official_models(arch):
    from mmengine.registry import DefaultScope
    from mmpretrain.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        classifier = MODELS.build(dict(
            type='mmstm.UnifiedImageClassifier',
            backbone=dict(type='mmstm.UnifiedBackbone', arch=arch),
            neck=dict(type='mmstm.ExpandPoolNeck'),
            head=dict(type='LinearClsHead', num_classes=1000)))
    with open(data_file('reference/official_state_dict_manifest.json')) as f:
        expected = json.load(f)[arch]['params']
    assert sum(p.numel() for p in classifier.parameters()) == expected


def test_pretrained_init_loads_the_backbone_of_a_classifier_checkpoint(
        tmp_path):
    source = tiny_of('pvt')
    ckpt = tmp_path / 'classifier.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               source.state_dict().items()}}, ckpt)
    model = tiny_of('pvt', init_cfg=dict(type='Pretrained',
                                         checkpoint=str(ckpt),
                                         prefix='backbone.'))
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)


def test_pretrained_init_refuses_a_checkpoint_of_another_model(tmp_path):
    ckpt = tmp_path / 'classifier.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               tiny_of('swin').state_dict().items()}}, ckpt)
    for arch in ('halo', 'convnext'):  # other mixers, other keys
        model = tiny_of(arch, init_cfg=dict(
            type='Pretrained', checkpoint=str(ckpt), prefix='backbone.'))
        with pytest.raises((KeyError, RuntimeError),
                           match='does not match|size mismatch'):
            model.init_weights()
    # a released official checkpoint of other dims
    official = data_file('reference/official_small_convnext.pth')
    model = tiny_of('convnext', init_cfg=dict(
        type='Pretrained', checkpoint=official, prefix='backbone.'))
    with pytest.raises((KeyError, RuntimeError),
                       match='does not match|size mismatch'):
        model.init_weights()


def classifier_checkpoint(tmp_path, family):
    """A classifier checkpoint of ``family``'s tiny arch (stage norms in the
    trunk) with every tensor randomised."""
    source = tiny_of(family)
    state = {f'backbone.{k}': torch.randn_like(v) if v.is_floating_point()
             else v for k, v in source.state_dict().items()}
    state['head.fc.weight'] = torch.randn(6, 48)
    path = tmp_path / f'{family}.pth'
    torch.save({'state_dict': state}, path)
    return str(path), state


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_downstream_backbone_takes_a_classifier_as_the_paper_does(
        tmp_path, family):
    path, state = classifier_checkpoint(tmp_path, family)
    model = tiny_of(family, downstream=True, out_indices=(0, 1, 2, 3),
                    init_cfg=dict(type='Pretrained', checkpoint=path,
                                  prefix='backbone.'))
    model.init_weights()
    loaded = model.state_dict()
    for key, value in loaded.items():
        if OUT_NORM_KEY.match(key):  # fresh: LayerNorm's own initialisation
            expected = torch.ones_like(value) if key.endswith('weight') \
                else torch.zeros_like(value)
            assert torch.equal(value, expected), key
        else:
            assert torch.equal(value, state[f'backbone.{key}']), key
    dropped = {k for k in state
               if re.match(r'backbone\.stages\.\d\.norm\.', k)}
    assert dropped and not any(k[len('backbone.'):] in loaded for k in dropped)
    assert all(isinstance(stage.norm, torch.nn.Identity)
               for stage in model.stages)


def test_downstream_loading_is_strict_beyond_the_stage_norms(tmp_path):
    path, state = classifier_checkpoint(tmp_path, 'swin')
    del state['backbone.stages.1.blocks.0.norm1.weight']
    torch.save({'state_dict': state}, path)
    model = tiny_of('swin', downstream=True, init_cfg=dict(
        type='Pretrained', checkpoint=path, prefix='backbone.'))
    with pytest.raises(KeyError, match=r'missing \[.stages.1.blocks.0.norm1'):
        model.init_weights()


def test_downstream_backbone_loads_its_own_checkpoint_whole(tmp_path):
    """A downstream checkpoint (e.g. of a trained detector) keeps its trained
    output norms: nothing is dropped or left fresh."""
    source = tiny_of('convnext', downstream=True, out_indices=(0, 1, 2, 3))
    for stage in source.stages:
        torch.nn.init.normal_(stage.out_norm.weight)
    path = tmp_path / 'detector.pth'
    torch.save({'state_dict': {f'backbone.{k}': v for k, v in
                               source.state_dict().items()}}, path)
    model = tiny_of('convnext', downstream=True, out_indices=(0, 1, 2, 3),
                    init_cfg=dict(type='Pretrained', checkpoint=str(path),
                                  prefix='backbone.'))
    model.init_weights()
    for key, value in source.state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_downstream_sets_the_mixers_detection_options_unless_overridden():
    def paddings(**kwargs):
        model = tiny_of('swin', **kwargs)
        return {b.stm.padding for s in model.stages for b in s.blocks}

    assert paddings() == {'masked'}
    assert paddings(downstream=True) == {'zeros'}
    assert paddings(downstream=True, stm_cfg=dict(padding='masked')) == \
        {'masked'}
    with pytest.raises(ValueError, match='norms its outputs only'):
        tiny_of('swin', downstream=True, stage_norm='every_stage')


def test_downstream_pvt_adds_its_position_embedding_to_the_mixer_only():
    model = tiny_of('pvt', downstream=True, out_indices=(0, )).eval()
    stage = model.stages[0]
    seen = {}
    stage.blocks[0].stm.register_forward_pre_hook(
        lambda m, args: seen.update(mixer_input=args[0]))
    stage.blocks[0].register_forward_hook(
        lambda m, args, out: seen.update(block_input=args[0], out=out))
    model(torch.randn(1, 3, 64, 64))
    x = seen['block_input']  # the downsampled map, without the embedding
    block = stage.blocks[0]
    torch.testing.assert_close(seen['mixer_input'],
                               block.norm1(stage.pos_embed(x)))
    mixed = x + block.gamma1 * block.stm(seen['mixer_input'])
    torch.testing.assert_close(
        seen['out'],
        mixed + block.gamma2 * block.mlp(block.norm2(mixed)))


def test_every_arch_belongs_to_a_family_with_its_recipe():
    # every family of the arch table at every scale, with the paper's
    # training facts the configs are checked against
    from mmstm.models.backbones.archs import SCALES, split_arch_name

    from tests.conftest import PAPER_TRAINING
    assert {split_arch_name(a) for a in ARCHS} == \
        {(f, s) for f in PAPER_TRAINING for s in SCALES}
    for family, facts in PAPER_TRAINING.items():
        assert facts['recipe'] in ('attention', 'convolution'), family
        assert set(facts['drop_path']) == set(SCALES), family


def test_intermediates_whatever_the_out_indices():
    backbone = tiny_of('swin', out_indices=(3, )).eval()
    x = torch.randn(1, 3, 61, 47)
    with torch.no_grad():
        maps = backbone.forward_intermediates(x)
        last, = backbone(x)
        first, = backbone.forward_intermediates(x, (0, ))
    assert [m.shape[1] for m in maps] == backbone.arch['dims']
    torch.testing.assert_close(maps[3], last, rtol=0, atol=0)
    torch.testing.assert_close(maps[0], first, rtol=0, atol=0)
