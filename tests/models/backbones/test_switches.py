"""The network- and block-level switches that rebuild the original designs:
each variant keeps the backbone's strides at any size and computes what the
original layer computes."""
import pytest
import torch
from torch import nn

from mmstm.models.backbones import UnifiedBackbone
from mmstm.models.backbones.layers import (NormConvDownsample, PatchEmbedStem,
                                           PatchMerging)
from mmstm.models.blocks import SingleResidualBlock

from tests.conftest import STM_FAMILIES, tiny_arch

ORIGINAL_SWITCHES = [
    dict(stem='patch_embed', downsample='patch_merging',
         stage_norm='outputs', layer_scale_init_value=0.),
    dict(stem='patch_embed', downsample='norm_conv', block='single_residual',
         stage_norm='none'),
]


@pytest.mark.parametrize('stm', STM_FAMILIES)
@pytest.mark.parametrize('switches', ORIGINAL_SWITCHES,
                         ids=['swin-like', 'convnext-like'])
def test_original_designs_keep_strides_and_train_at_odd_sizes(stm, switches):
    model = UnifiedBackbone(tiny_arch(stm), out_indices=(0, 1, 2, 3),
                            **switches)
    outs = model(torch.randn(2, 3, 97, 131))
    sizes = [tuple(o.shape[2:]) for o in outs]
    assert sizes == [(25, 33), (13, 17), (7, 9), (4, 5)]
    sum(o.mean() for o in outs).backward()
    for name, param in model.named_parameters():
        assert param.grad is not None, name


def test_patch_embed_is_a_4x4_patch_projection():
    stem = PatchEmbedStem(3, 8)
    image = torch.randn(1, 3, 8, 12)
    out = stem(image)
    patch = image[0, :, 4:8, 8:12].reshape(-1)  # patch at row 1, col 2
    projected = stem.conv.weight.reshape(8, -1) @ patch + stem.conv.bias
    torch.testing.assert_close(out[0, 1, 2], stem.norm(projected))


def test_patch_merging_concatenates_2x2_in_swin_order():
    merge = PatchMerging(2, 3)
    x = torch.randn(1, 4, 4, 2)
    out = merge(x)
    # the top-left output takes (0,0), (1,0), (0,1), (1,1) of its window
    gathered = torch.cat([x[0, 0, 0], x[0, 1, 0], x[0, 0, 1], x[0, 1, 1]])
    torch.testing.assert_close(out[0, 0, 0],
                               merge.reduction(merge.norm(gathered)))
    assert merge(torch.randn(1, 5, 7, 2)).shape == (1, 3, 4, 3)


def test_norm_conv_downsample_norms_before_the_2x2_conv():
    down = NormConvDownsample(2, 3)
    x = torch.randn(1, 4, 4, 2)
    window = down.norm(x[0, 2:4, 0:2]).permute(2, 0, 1).reshape(-1)
    expected = down.conv.weight.reshape(3, -1) @ window + down.conv.bias
    torch.testing.assert_close(down(x)[0, 1, 0], expected)


def test_single_residual_block_is_one_branch():
    block = SingleResidualBlock(
        8, dict(type='DepthwiseConvMixer', kernel_size=3, projections=False),
        layer_scale_init_value=0.5)
    x = torch.randn(1, 5, 6, 8)
    expected = x + 0.5 * block.mlp(block.norm(block.stm(x)))
    torch.testing.assert_close(block(x), expected)
    assert not any(isinstance(m, nn.Linear) for m in block.stm.modules())


def test_stage_norm_modes_place_the_norms():
    def norms(**kwargs):
        model = UnifiedBackbone(tiny_arch('convnext'), **kwargs)
        return [(isinstance(s.norm, nn.LayerNorm),
                 isinstance(s.out_norm, nn.LayerNorm)) for s in model.stages]

    assert norms() == [(True, False)] * 4
    assert norms(stage_norm='outputs', out_indices=(1, 3)) == \
        [(False, False), (False, True), (False, False), (False, True)]
    assert norms(stage_norm='none') == [(False, False)] * 4


def test_final_norm_only_touches_the_output():
    model = UnifiedBackbone(tiny_arch('convnext'), stage_norm='outputs',
                            out_indices=(1, 3)).eval()
    seen = {}
    model.stages[1].blocks[-1].register_forward_hook(
        lambda m, i, o: seen.update(stage1=o))
    model.stages[2].downsample.register_forward_hook(
        lambda m, i, o: seen.update(stage2_input=i[0]))
    out = model(torch.randn(1, 3, 64, 64))[0]
    normed = model.stages[1].out_norm(seen['stage1'])
    torch.testing.assert_close(out, normed.permute(0, 3, 1, 2))
    # the next stage continues from the un-normed features
    torch.testing.assert_close(seen['stage2_input'], seen['stage1'])


@pytest.mark.parametrize('switch, value', [
    ('stem', 'conv7x7'), ('downsample', 'pool'), ('block', 'bottleneck'),
    ('stage_norm', 'last')])
def test_unknown_switch_values_are_named(switch, value):
    with pytest.raises(ValueError, match=f'Unknown {switch} "{value}"'):
        UnifiedBackbone(tiny_arch('convnext'), **{switch: value})
