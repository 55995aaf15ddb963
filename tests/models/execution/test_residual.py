import pytest
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmstm.models.blocks import UnifiedBlock, layer_scale
from mmstm.models.execution import apply_execution
from mmstm.models.execution.residual import add_branch, samplewise


def _as_written(x, branch, branch_input, scale, drop_path, *_):
    return x + drop_path(scale * branch(branch_input))


def LayerScale(channels, value):
    return layer_scale(channels, value)


class CountingBranch(nn.Linear):
    """A per-sample branch that records the batch sizes it saw."""

    def __init__(self, channels):
        super().__init__(channels, channels)
        self.batch_sizes = []

    def forward(self, x):
        self.batch_sizes.append(x.shape[0])
        return super().forward(x)


def _run(add, seed, scale, drop, branch, x, weights):
    torch.manual_seed(seed)  # the same stochastic depth masks
    branch.zero_grad(set_to_none=True)
    x = x.clone().requires_grad_()
    out = add(x, branch, x, scale, drop)
    params = [*branch.parameters()] + \
        ([scale] if isinstance(scale, torch.Tensor) else [])
    grads = torch.autograd.grad((out * weights).sum(), [x, *params])
    return out, grads


@pytest.mark.parametrize('scale', [LayerScale(6, 0.5), LayerScale(6, 0)])
@pytest.mark.parametrize('drop', [DropPath(0.5), nn.Identity()])
def test_one_pass_gives_the_written_residual_and_gradients(scale, drop):
    branch = CountingBranch(6)
    x, weights = torch.randn(8, 3, 5, 6), torch.randn(8, 3, 5, 6)
    got = _run(add_branch, 0, scale, drop, branch, x, weights)
    expected = _run(_as_written, 0, scale, drop, branch, x, weights)
    torch.testing.assert_close(got, expected)
    if isinstance(drop, DropPath):
        kept = (got[0] != x).flatten(1).any(1)
        assert 0 < kept.sum() < 8  # some samples dropped, some kept
        # the branch ran on the kept samples only
        assert branch.batch_sizes == [kept.sum().item(), 8]


def test_mixed_precision_residuals_promote_as_the_written_sum():
    # under autocast a convolution stem hands a bfloat16 residual to a block
    # whose layer scale is float32: the sum is float32, kept samples or not
    branch, scale, drop = CountingBranch(6), LayerScale(6, 0.5), DropPath(0.5)
    x, weights = torch.randn(8, 3, 5, 6), torch.randn(8, 3, 5, 6)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = _run(add_branch, 0, scale, drop, branch, x.bfloat16(), weights)
        expected = _run(_as_written, 0, scale, drop, branch, x.bfloat16(),
                        weights)
    assert got[0].dtype == expected[0].dtype == torch.float32
    # the branch's bfloat16 product scaled in one factor or in two steps
    torch.testing.assert_close(got, expected, rtol=2e-2, atol=2e-2)
    assert branch.batch_sizes[0] < 8  # the kept-samples path ran


def test_all_samples_dropped_still_give_every_parameter_a_gradient():
    branch, scale = CountingBranch(4), LayerScale(4, 1.)
    drop = DropPath(0.999)
    x = torch.randn(3, 2, 2, 4)
    out, grads = _run(add_branch, 0, scale, drop, branch, x,
                      torch.ones_like(x))
    torch.testing.assert_close(out, x)
    assert branch.batch_sizes == [1]
    assert all(g is not None and not g.any() for g in grads[1:])


def test_batch_norm_branches_see_the_whole_batch():
    branch = nn.Sequential(nn.BatchNorm1d(6), CountingBranch(6))
    assert not samplewise(branch) and samplewise(branch[1])
    x = torch.randn(8, 6)
    torch.manual_seed(0)
    out = add_branch(x, branch, x, LayerScale(6, 0), DropPath(0.5),
                     samplewise(branch))
    assert branch[1].batch_sizes == [8]
    torch.manual_seed(0)
    branch.train()
    torch.testing.assert_close(
        out, _as_written(x, branch, x, LayerScale(6, 0), DropPath(0.5)))


def test_evaluation_keeps_every_branch():
    drop = DropPath(0.9).eval()
    x, branch = torch.randn(4, 2, 2, 3), torch.randn(4, 2, 2, 3)
    torch.testing.assert_close(
        add_branch(x, lambda t: t, branch, LayerScale(3, 2.), drop),
        x + 2 * branch)


def test_other_modules_run_as_written():
    x, branch = torch.randn(2, 4), torch.randn(2, 4)
    torch.testing.assert_close(
        add_branch(x, lambda t: t, branch, 0.5, nn.Identity()),
        x + 0.5 * branch)
    torch.testing.assert_close(
        add_branch(x, lambda t: t, branch, LayerScale(4, 3.),
                   nn.Dropout(0.)), x + 3 * branch)


@pytest.mark.parametrize('mixer', [
    dict(type='DepthwiseConvMixer'),
    dict(type='SpatialReductionAttention', num_heads=2, sr_ratio=2)
])
def test_a_block_with_stochastic_depth_is_the_written_block(mixer):
    block = apply_execution(
        UnifiedBlock(8, mixer, drop_path=0.5, layer_scale_init_value=0.3))
    assert type(block) is not UnifiedBlock
    block.train()
    x = torch.randn(6, 4, 4, 8)
    for seed in range(3):
        torch.manual_seed(seed)
        got = block(x)
        torch.manual_seed(seed)
        torch.testing.assert_close(got, UnifiedBlock.forward(block, x))
