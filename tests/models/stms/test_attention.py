"""The written-out biased attention the windowed mixers share."""
import pytest
import torch

from mmstm.models.stms.attention import biased_attention


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
