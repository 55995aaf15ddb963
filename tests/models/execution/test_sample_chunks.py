"""Mixing a large batch a few samples at a time on the CPU
(``mix_in_sample_chunks``), for the mixers that declare large
intermediates."""
import pytest
import torch
from torch import nn

from mmstm.models.execution import apply_execution, residual
from mmstm.models.execution.attention import gather_tokens
from mmstm.models.stms import (DCNv3, HaloAttention, NeighborhoodAttention,
                               SelectiveScan2D)


class Recording(nn.Module):
    """Doubles its input, records the batch sizes it saw."""

    def __init__(self, per_sample, samplewise=True):
        super().__init__()
        self.per_sample, self.samplewise, self.batches = \
            per_sample, samplewise, []

    def largest_elements_per_sample(self, x):
        return self.per_sample

    def forward(self, x):
        self.batches.append(x.shape[0])
        return x * 2


@pytest.mark.parametrize('samples, per_sample, batches', [
    (5, residual.CHUNK_ELEMENTS // 2, [2, 2, 1]),
    (8, residual.CHUNK_ELEMENTS // 7, [4, 4]),  # chunks of even size
    (5, residual.CHUNK_ELEMENTS // 5, [5]),  # within the budget: whole
    (3, 4 * residual.CHUNK_ELEMENTS, [1, 1, 1]),  # a sample above it: alone
])
def test_a_large_batch_is_mixed_a_few_samples_at_a_time(samples, per_sample,
                                                          batches):
    mixer = Recording(per_sample)
    x = torch.randn(samples, 2, 3, 4)
    torch.testing.assert_close(residual.mix_in_sample_chunks(mixer, x), x * 2)
    assert mixer.batches == batches


def test_mixers_that_mix_samples_together_are_never_chunked():
    mixer = Recording(residual.CHUNK_ELEMENTS, samplewise=False)
    residual.mix_in_sample_chunks(mixer, torch.randn(4, 2, 3, 4))
    assert mixer.batches == [4]


CHUNKED_MIXERS = {
    'halo': lambda: HaloAttention(8, num_heads=2, block_size=3, halo_size=1),
    'dcnv3': lambda: DCNv3(8, num_heads=2),
    'ss2d': lambda: SelectiveScan2D(8, d_state=4, chunk_size=4),
    'nat': lambda: NeighborhoodAttention(8, num_heads=2, kernel_size=3),
}


@pytest.mark.parametrize('name', CHUNKED_MIXERS)
def test_chunked_mixers_give_the_whole_batch_outputs_and_gradients(
        name, monkeypatch):
    torch.manual_seed(0)
    mixer = apply_execution(CHUNKED_MIXERS[name]())
    mixer.init_weights()
    with torch.no_grad():  # DCNv3 starts with zero offsets
        for param in mixer.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    x = torch.randn(5, 7, 8, 8)  # not a multiple of halo's block
    weights = torch.randn(5, 7, 8, 8)
    batches = []
    mixer.register_forward_pre_hook(
        lambda module, args: batches.append(len(args[0])))

    def run(budget):
        monkeypatch.setattr(residual, 'CHUNK_ELEMENTS', budget)
        batches.clear()
        mixer.zero_grad(set_to_none=True)
        inputs = x.clone().requires_grad_()
        out = residual.mix_in_sample_chunks(mixer, inputs)
        (out * weights).sum().backward()
        grads = [inputs.grad] + [p.grad for p in mixer.parameters()]
        return out, grads, list(batches)

    whole, whole_grads, seen = run(1 << 62)
    assert seen == [5]
    chunked, chunked_grads, seen = run(
        2 * mixer.largest_elements_per_sample(x))
    assert seen == [2, 2, 1]
    torch.testing.assert_close(chunked, whole)
    for got, want in zip(chunked_grads, whole_grads):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize('grad', [False, True])
def test_gathered_tokens_and_their_gradient_are_index_selects(grad):
    # a permutation followed by a crop: no token twice, some not at all
    index = torch.randperm(12)[:9]
    tokens = torch.randn(2, 12, 3, requires_grad=grad)
    reference = tokens.detach().clone().requires_grad_(grad)
    ours = gather_tokens(tokens, index)
    theirs = reference.index_select(1, index)
    assert torch.equal(ours, theirs)
    if grad:
        upstream = torch.randn_like(ours)
        ours.backward(upstream)
        theirs.backward(upstream)
        assert torch.equal(tokens.grad, reference.grad)
