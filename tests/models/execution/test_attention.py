"""The execution layer's attention: written out in place for the windowed
mixers, and the global mixers' choice of written-out or SDPA."""
import pytest
import torch
import torch.nn.functional as F

from mmstm.models.execution import attention as attention_module
from mmstm.models.execution.attention import FEW_KEYS, biased_attention
from mmstm.models.execution.attention import global_attention as attention


def _plain(q, k, v, bias):
    logits = (q * q.shape[-1]**-0.5) @ k.transpose(-2, -1) + bias
    return logits.softmax(-1) @ v


def _inputs():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 7, 8) for _ in range(3))
    bias = torch.randn(3, 5, 7, 7)
    bias[..., 0, 3:] = float('-inf')  # a masked row part, as the mixers do
    return q, k, v, bias


def test_equals_the_plain_expression_bit_for_bit_without_gradients():
    q, k, v, bias = _inputs()
    with torch.no_grad():
        assert torch.equal(biased_attention(q, k, v, bias),
                           _plain(q, k, v, bias))


def test_gradients_equal_the_plain_expression():
    results = []
    for attend in (biased_attention, _plain):
        inputs = [t.clone().requires_grad_() for t in _inputs()]
        out = attend(*inputs)
        out.backward(torch.ones_like(out))
        results.append([out] + [t.grad for t in inputs])
    for ours, plain in zip(*results):
        torch.testing.assert_close(ours, plain)


@pytest.mark.parametrize('grad', [False, True])
def test_inputs_are_left_as_they_were(grad):
    inputs = _inputs()
    copies = [t.clone() for t in inputs]
    with torch.set_grad_enabled(grad):
        biased_attention(*inputs)
    for given, copy in zip(inputs, copies):
        assert torch.equal(given, copy)


@pytest.mark.parametrize('keys', [49, FEW_KEYS + 1])
@pytest.mark.parametrize('grad', [False, True])
def test_unbiased_attention_equals_sdpa(keys, grad):
    torch.manual_seed(0)
    q = torch.randn(2, 3, 40, 8).requires_grad_(grad)
    k, v = (torch.randn(2, 3, keys, 8).requires_grad_(grad)
            for _ in range(2))
    with torch.set_grad_enabled(grad):
        out = attention(q, k, v)
        expected = F.scaled_dot_product_attention(q, k, v)
    torch.testing.assert_close(out, expected)
    if grad:
        grads = torch.autograd.grad(out.square().sum(), (q, k, v))
        expected_grads = torch.autograd.grad(expected.square().sum(),
                                             (q, k, v))
        for ours, theirs in zip(grads, expected_grads):
            torch.testing.assert_close(ours, theirs)


def test_written_out_only_in_cpu_training_over_few_keys(monkeypatch):
    taken = []  # key counts of the calls that went to SDPA
    sdpa = F.scaled_dot_product_attention
    monkeypatch.setattr(attention_module.F, 'scaled_dot_product_attention',
                        lambda *args: taken.append(args[1].shape[-2])
                        or sdpa(*args))
    q = torch.randn(1, 2, 30, 8, requires_grad=True)
    for keys in (FEW_KEYS, FEW_KEYS + 1):
        k, v = torch.randn(2, 1, 2, keys, 8)
        attention(q, k, v)
        with torch.no_grad():
            attention(q, k, v)
    assert taken == [FEW_KEYS, FEW_KEYS + 1, FEW_KEYS + 1]
