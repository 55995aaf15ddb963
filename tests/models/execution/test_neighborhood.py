"""The tiled neighbourhood attention computes the mixer's gathered form."""
import pytest
import torch

from mmstm.models.execution.neighborhood import TiledNeighborhoodAttention
from mmstm.models.stms import NeighborhoodAttention

from tests.numerics import SUMMATION_ORDER, assert_all_relatively_close


@pytest.mark.parametrize('size', [(16, 16), (15, 29), (1, 20), (9, 9)])
def test_tiled_and_gathered_forms_agree_with_gradients(size):
    torch.manual_seed(0)
    mixer = NeighborhoodAttention(8, num_heads=2, kernel_size=7)
    torch.nn.init.normal_(mixer.relative_position_bias_table)
    x = torch.randn(2, *size, 8, requires_grad=True)
    params = [x, mixer.relative_position_bias_table, mixer.qkv.weight]
    grads = []
    for attend in (TiledNeighborhoodAttention.attend,
                   NeighborhoodAttention.attend):
        out = attend(mixer, mixer.qkv(x).unflatten(-1, (3, 2, -1)))
        grads.append((out, *torch.autograd.grad(out.square().sum(), params)))
    assert_all_relatively_close(*grads, SUMMATION_ORDER, [
        'output', 'input gradient', 'gradient of the bias table',
        'gradient of qkv'])
