"""Layer scale as the paper's bare parameter, with the flat checkpoint keys
every released model uses; both torch's and mmengine's loaders see those
keys."""
import pytest
import torch
from mmengine.runner.checkpoint import load_state_dict as mmengine_load

from mmstm.models.blocks import SingleResidualBlock, UnifiedBlock

STM = dict(type='mmstm.DepthwiseConvMixer', kernel_size=3)


def block(cls=UnifiedBlock, layer_scale=0.5):
    return cls(8, STM, mlp_ratio=2., layer_scale_init_value=layer_scale)


@pytest.mark.parametrize('cls, names', [(UnifiedBlock, ('gamma1', 'gamma2')),
                                        (SingleResidualBlock, ('gamma', ))])
def test_checkpoint_keys_are_flat_and_load_back(cls, names):
    source, target = block(cls), block(cls)
    with torch.no_grad():
        for name in names:
            getattr(source, name).uniform_()
    state = source.state_dict()
    assert set(names) <= set(state)
    assert not any(key.endswith('.weight') and key.startswith('gamma')
                   for key in state)
    target.load_state_dict(state)
    x = torch.randn(2, 5, 7, 8)
    torch.testing.assert_close(target(x), source(x))
    # mmengine's loader (load_checkpoint, load_from) takes the same keys
    fresh = block(cls)
    mmengine_load(fresh, state, strict=True)
    torch.testing.assert_close(fresh(x), source(x))


def test_the_keys_are_flat_inside_a_parent_module_too():
    parent = torch.nn.Sequential(block(), block())
    state = parent.state_dict()
    assert {'0.gamma1', '0.gamma2', '1.gamma1', '1.gamma2'} <= set(state)
    copy = torch.nn.Sequential(block(layer_scale=1.), block(layer_scale=1.))
    copy.load_state_dict(state)
    assert torch.equal(copy[1].gamma2, parent[1].gamma2)


def test_the_scale_starts_at_its_value_and_off_means_one():
    scaled, plain = block(layer_scale=0.25), block(layer_scale=0.)
    assert not any('gamma' in key for key in plain.state_dict())
    assert not any('gamma' in name for name, _ in plain.named_parameters())
    torch.testing.assert_close(scaled.gamma1, torch.full((8, ), 0.25))
    assert plain.gamma1 == plain.gamma2 == 1.0


@pytest.mark.parametrize('layer_scale', [0.5, 0.])
def test_the_blocks_forward_is_the_papers_equation(layer_scale):
    unified = block(layer_scale=layer_scale).train()
    single = block(SingleResidualBlock, layer_scale).train()
    unified.drop_path = single.drop_path = torch.nn.Identity()
    x = torch.randn(2, 5, 7, 8)
    mixed = x + unified.gamma1 * unified.stm(unified.norm1(x))
    torch.testing.assert_close(
        unified(x), mixed + unified.gamma2 * unified.mlp(unified.norm2(mixed)))
    torch.testing.assert_close(
        single(x), x + single.gamma * single.mlp(single.norm(single.stm(x))))


def test_mismatched_layer_scale_is_reported_not_dropped():
    with_scale, without = block(layer_scale=0.5), block(layer_scale=0.)
    with pytest.raises(RuntimeError, match=r'Unexpected key.*"gamma1"'):
        without.load_state_dict(with_scale.state_dict())
    result = without.load_state_dict(with_scale.state_dict(), strict=False)
    assert sorted(result.unexpected_keys) == ['gamma1', 'gamma2']
    result = with_scale.load_state_dict(without.state_dict(), strict=False)
    assert sorted(result.missing_keys) == ['gamma1', 'gamma2']
    with pytest.raises(RuntimeError, match='gamma1'):
        mmengine_load(without, with_scale.state_dict(), strict=True)
