import pytest
import torch
from mmcv.cnn.bricks import DropPath
from torch import nn

from mmstm.models.layer_scale import LayerScale
from mmstm.models.residual import add_branch


def _as_written(x, branch, layer_scale, drop_path):
    return x + drop_path(layer_scale(branch))


@pytest.mark.parametrize('scale', [LayerScale(6, 0.5), nn.Identity()])
@pytest.mark.parametrize('drop', [DropPath(0.5), nn.Identity()])
def test_one_pass_gives_the_written_residual_and_gradients(scale, drop):
    x = torch.randn(8, 3, 5, 6, requires_grad=True)
    branch = torch.randn(8, 3, 5, 6, requires_grad=True)
    weights = torch.randn(8, 3, 5, 6)
    results = []
    for add in (add_branch, _as_written):
        torch.manual_seed(0)  # the same stochastic depth masks
        out = add(x, branch, scale, drop)
        grads = torch.autograd.grad((out * weights).sum(),
                                    [x, branch, *scale.parameters()])
        results.append((out, grads))
    torch.testing.assert_close(results[0], results[1])
    if isinstance(drop, DropPath):  # some samples dropped, some kept
        kept = (results[0][0] != x).flatten(1).any(1)
        assert 0 < kept.sum() < 8


def test_evaluation_keeps_every_branch():
    drop = DropPath(0.9).eval()
    x, branch = torch.randn(4, 2, 2, 3), torch.randn(4, 2, 2, 3)
    torch.testing.assert_close(
        add_branch(x, branch, LayerScale(3, 2.), drop), x + 2 * branch)


def test_other_modules_run_as_written():
    x, branch = torch.randn(2, 4), torch.randn(2, 4)
    torch.testing.assert_close(
        add_branch(x, branch, nn.Tanh(), nn.Identity()), x + branch.tanh())
    torch.testing.assert_close(
        add_branch(x, branch, LayerScale(4, 3.), nn.Dropout(0.)),
        x + 3 * branch)
