"""Mixing a large batch a few samples at a time on the CPU
(``mix_in_sample_chunks``), and the mixers that do it."""
import pytest
import torch

from mmstm.models.stms import (DCNv3, HaloAttention, NeighborhoodAttention,
                               SelectiveScan2D, mechanics)


def _recording_mix(batches):

    def mix(x):
        batches.append(x.shape[0])
        return x * 2

    return mix


def test_a_large_batch_is_mixed_a_few_samples_at_a_time():
    batches = []
    x = torch.randn(5, 2, 3, 4)
    out = mechanics.mix_in_sample_chunks(
        _recording_mix(batches), x,
        elements_per_sample=mechanics.CHUNK_ELEMENTS // 2)
    assert batches == [2, 2, 1]
    torch.testing.assert_close(out, x * 2)


def test_chunks_are_of_even_size():
    batches = []
    mechanics.mix_in_sample_chunks(
        _recording_mix(batches), torch.randn(8, 2, 3, 4),
        elements_per_sample=mechanics.CHUNK_ELEMENTS // 7)
    assert batches == [4, 4]


def test_a_batch_within_the_budget_is_mixed_whole():
    batches = []
    x = torch.randn(5, 2, 3, 4)
    mechanics.mix_in_sample_chunks(
        _recording_mix(batches), x,
        elements_per_sample=mechanics.CHUNK_ELEMENTS // 5)
    assert batches == [5]


# a sample larger than the budget is still mixed whole, one at a time
def test_a_sample_above_the_budget_is_mixed_alone():
    batches = []
    mechanics.mix_in_sample_chunks(
        _recording_mix(batches), torch.randn(3, 2, 3, 4),
        elements_per_sample=4 * mechanics.CHUNK_ELEMENTS)
    assert batches == [1, 1, 1]


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
    mixer = CHUNKED_MIXERS[name]()
    mixer.init_weights()
    with torch.no_grad():  # DCNv3 starts with zero offsets
        for param in mixer.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    x = torch.randn(5, 7, 8, 8)  # not a multiple of halo's block
    weights = torch.randn(5, 7, 8, 8)
    mix = mixer._mix

    def run(budget):
        monkeypatch.setattr(mechanics, 'CHUNK_ELEMENTS', budget)
        batches = []
        mixer._mix = lambda chunk, **options: batches.append(
            len(chunk)) or mix(chunk, **options)
        mixer.zero_grad(set_to_none=True)
        inputs = x.clone().requires_grad_()
        out = mixer(inputs)
        (out * weights).sum().backward()
        grads = [inputs.grad] + [p.grad for p in mixer.parameters()]
        return out, grads, batches

    whole, whole_grads, batches = run(1 << 62)
    assert batches == [5]
    chunked, chunked_grads, batches = run(2 * mixer._largest_per_sample(x))
    assert batches == [2, 2, 1]
    torch.testing.assert_close(chunked, whole)
    for got, want in zip(chunked_grads, whole_grads):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize('grad', [False, True])
def test_gathered_tokens_and_their_gradient_are_index_selects(grad):
    # a permutation followed by a crop: no token twice, some not at all
    index = torch.randperm(12)[:9]
    tokens = torch.randn(2, 12, 3, requires_grad=grad)
    reference = tokens.detach().clone().requires_grad_(grad)
    ours = mechanics.gather_tokens(tokens, index)
    theirs = reference.index_select(1, index)
    assert torch.equal(ours, theirs)
    if grad:
        upstream = torch.randn_like(ours)
        ours.backward(upstream)
        theirs.backward(upstream)
        assert torch.equal(tokens.grad, reference.grad)
