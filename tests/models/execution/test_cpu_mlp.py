import pytest
import torch
from torch import nn

from mmstm.models.blocks import MLP as PlainMLP
from mmstm.models.execution import apply_execution
from mmstm.models.execution import cpu_mlp as slabbed_mlp


def MLP(*args):
    """The block's MLP in its fast form."""
    return apply_execution(PlainMLP(*args))


@pytest.fixture
def small_slabs(monkeypatch):
    """Slabs of 3 tokens for hidden width 16 and every MLP slabbed, so tiny
    tensors take the slabbed path (with a last, shorter slab)."""
    monkeypatch.setattr(slabbed_mlp, 'SLAB_ELEMENTS', 48)
    monkeypatch.setattr(slabbed_mlp, 'MIN_HIDDEN_ELEMENTS',
                        dict(grad=1, no_grad=1))


def _plain_twin(mlp):
    plain = nn.Sequential(nn.Linear(mlp.fc1.in_features, mlp.fc1.out_features),
                          nn.GELU(),
                          nn.Linear(mlp.fc2.in_features, mlp.fc2.out_features))
    plain[0].load_state_dict(mlp.fc1.state_dict())
    plain[2].load_state_dict(mlp.fc2.state_dict())
    return plain


def _grads(module, x):
    return [x.grad] + [p.grad for p in module.parameters()]


# 4 input channels recompute the hidden layer in the backward, 160 store it
@pytest.mark.parametrize('in_features', [4, 160])
def test_slabs_give_the_plain_mlp_outputs_and_gradients(
        small_slabs, in_features):
    mlp = MLP(in_features, 16)
    plain = _plain_twin(mlp)
    x = torch.randn(2, 5, 1, in_features)  # 10 tokens: slabs of 3, 3, 3, 1
    assert slabbed_mlp.slab_rows(x, mlp.fc1, mlp.fc2, grad=True) == 3
    weights = torch.randn(2, 5, 1, in_features)
    inputs = [x.clone().requires_grad_(), x.clone().requires_grad_()]
    out = mlp(inputs[0])
    expected = plain(inputs[1])
    torch.testing.assert_close(out, expected)
    (out * weights).sum().backward()
    (expected * weights).sum().backward()
    for got, want in zip(_grads(mlp, inputs[0]), _grads(plain, inputs[1])):
        torch.testing.assert_close(got, want)
    with torch.no_grad():
        torch.testing.assert_close(mlp(x), plain(x))


def test_frozen_layers_or_input_get_no_gradient(small_slabs):
    mlp = MLP(4, 16)
    plain = _plain_twin(mlp)
    mlp.fc1.requires_grad_(False)
    plain[0].requires_grad_(False)
    x = torch.randn(7, 4)
    mlp(x).sum().backward()
    plain(x).sum().backward()
    assert mlp.fc1.weight.grad is None and mlp.fc1.bias.grad is None
    torch.testing.assert_close(mlp.fc2.weight.grad, plain[2].weight.grad)
    mlp.requires_grad_(False)
    x.requires_grad_()
    mlp(x).sum().backward()
    plain.requires_grad_(False)
    x_plain = x.detach().clone().requires_grad_()
    plain(x_plain).sum().backward()
    torch.testing.assert_close(x.grad, x_plain.grad)


def test_training_keeps_less_than_autograd_would(small_slabs):
    """The hidden layer is not stored for narrow inputs, and only its
    pre-activation (not GELU's output too) for wide ones."""

    def saved_elements(module, x):
        sizes = []

        def pack(tensor):
            sizes.append(tensor.numel())
            return tensor

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            module(x)
        return sum(sizes)

    for in_features in (4, 160):
        mlp = MLP(in_features, 16)
        x = torch.randn(10, in_features, requires_grad=True)
        assert saved_elements(mlp, x) < saved_elements(_plain_twin(mlp), x)


def test_only_large_cpu_float32_mlps_are_slabbed():
    mlp = MLP(64, 512)
    stage1 = torch.empty(8, 56, 56, 64)  # a tiny model's stage 1
    assert slabbed_mlp.slab_rows(stage1, mlp.fc1, mlp.fc2, grad=True) == 2048
    assert slabbed_mlp.slab_rows(stage1[:1], mlp.fc1, mlp.fc2, grad=True) == 0
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert slabbed_mlp.slab_rows(stage1, mlp.fc1, mlp.fc2, True) == 0
    mlp.double()
    assert slabbed_mlp.slab_rows(stage1.double(), mlp.fc1, mlp.fc2, True) == 0


def test_a_replaced_activation_is_not_slabbed(small_slabs):
    mlp = MLP(4, 16)
    mlp.act = nn.ReLU()
    x = torch.randn(10, 4)
    expected = mlp.fc2(torch.relu(mlp.fc1(x)))
    torch.testing.assert_close(mlp(x), expected)
