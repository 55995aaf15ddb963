import pytest
import torch
import torch.nn.functional as F

from mmstm.models.blocks import MLP
from mmstm.models.execution import apply_execution
from mmstm.models.execution import cpu_linear as fused_linear
from mmstm.models.execution.cpu_linear import FusedLinear as Linear
from mmstm.models.execution.cpu_linear import linear_gelu

needs_kernel = pytest.mark.skipif(not fused_linear.KERNEL_DTYPES,
                                  reason='this torch has no oneDNN linear')


@pytest.fixture
def kernel_calls(monkeypatch):
    """Counts the calls that take the fused kernel."""
    calls = []
    fused = fused_linear.fused

    def counted(x, layer, activation='none'):
        calls.append(activation)
        return fused(x, layer, activation)

    monkeypatch.setattr(fused_linear, 'fused', counted)
    return calls


@needs_kernel
def test_inference_takes_the_fused_kernel_with_the_same_outputs(kernel_calls):
    layer = Linear(12, 40)
    x = torch.randn(2, 5, 7, 12).transpose(1, 2)  # any layout
    with torch.no_grad():
        torch.testing.assert_close(layer(x), F.linear(x, layer.weight,
                                                      layer.bias))
        torch.testing.assert_close(linear_gelu(x, layer),
                                   F.gelu(F.linear(x, layer.weight,
                                                   layer.bias)))
    with torch.inference_mode():
        layer(x)
    assert kernel_calls == ['none', 'gelu', 'none']


def test_training_keeps_autograd(kernel_calls):
    fused = apply_execution(MLP(6, 24))
    plain = torch.nn.Sequential(torch.nn.Linear(6, 24), torch.nn.GELU(),
                                torch.nn.Linear(24, 6))
    plain.load_state_dict(
        {k.replace('fc1', '0').replace('fc2', '2'): v
         for k, v in fused.state_dict().items()})
    x = torch.randn(3, 4, 6)
    fused(x).square().sum().backward()
    plain(x).square().sum().backward()
    torch.testing.assert_close(fused.fc1.weight.grad, plain[0].weight.grad)
    torch.testing.assert_close(fused.fc2.bias.grad, plain[2].bias.grad)
    assert kernel_calls == []


@needs_kernel
def test_what_the_kernel_cannot_do_falls_back(kernel_calls):
    layer = Linear(8, 8)
    x = torch.randn(4, 8)
    with torch.no_grad():
        with torch.autocast('cpu', dtype=torch.bfloat16):
            assert layer(x).dtype == torch.bfloat16  # autocast honoured
        layer.double()(x.double())  # float64
        Linear(8, 8, bias=False)(x)  # nothing to fuse
        # the FLOP counter traces ATen's linear
        graph = torch.jit.trace(layer.float(), x,
                                   check_trace=False).inlined_graph
        assert 'aten::linear' in str(graph)
    assert kernel_calls == []


@needs_kernel
def test_mlp_with_another_activation_keeps_it(kernel_calls):
    mlp = apply_execution(MLP(6, 24))
    mlp.act = torch.nn.ReLU()
    x = torch.randn(3, 6)
    with torch.no_grad():
        expected = mlp.fc2(torch.relu(F.linear(x, mlp.fc1.weight,
                                               mlp.fc1.bias)))
        torch.testing.assert_close(mlp(x), expected)
    assert 'gelu' not in kernel_calls


def test_a_trainable_bias_beside_a_frozen_weight_keeps_autograd(kernel_calls):
    layer = Linear(8, 8)
    layer.weight.requires_grad_(False)  # e.g. bias-only fine-tuning
    layer(torch.randn(4, 8)).sum().backward()
    torch.testing.assert_close(layer.bias.grad, torch.full((8, ), 4.))
    assert kernel_calls == []
