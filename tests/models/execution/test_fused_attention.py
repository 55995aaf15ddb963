"""The fused attention of the windowed mixers (SDPA with their position
bias as its mask, CUDA's path) computes what their written-out products do,
forward and backward, at window multiples and at odd sizes: run here
eagerly on the CPU."""
import pytest
import torch
import torch.nn.functional as F

from mmstm.models.execution import apply_execution
from mmstm.models.execution import fused_attention as fused_module
from mmstm.models.execution.fused_attention import fused_attention
from mmstm.models.stms.halo import HaloAttention
from mmstm.models.stms.neighborhood import NeighborhoodAttention
from mmstm.models.stms.shifted_window import ShiftedWindowAttention

from tests.numerics import (BFLOAT16, REORDERED_KERNELS,
                            assert_all_relatively_close, assert_differs,
                            assert_relatively_close, parameter_gradient_names)

MIXERS = {
    'swin': lambda: ShiftedWindowAttention(16, 2, window_size=4),
    'swin-shifted': lambda: ShiftedWindowAttention(16, 2, window_size=4,
                                                   shift=True),
    'swin-shifted-zeros': lambda: ShiftedWindowAttention(
        16, 2, window_size=4, shift=True, padding='zeros'),
    'halo': lambda: HaloAttention(16, 2, block_size=4, halo_size=2),
    'halo-zeros': lambda: HaloAttention(16, 2, block_size=4, halo_size=2,
                                        padding='zeros'),
    'halo-query-free': lambda: HaloAttention(
        16, 2, block_size=4, halo_size=1, pos_embed_type='query_free'),
    'nat': lambda: NeighborhoodAttention(16, 2, kernel_size=3),
}
# window (block, kernel tile) multiples, odd sizes, smaller than a window
SIZES = [(8, 12), (13, 7), (3, 5)]


@pytest.fixture
def fused_on_cpu(monkeypatch):
    """Attention on the CPU takes the fused path; counts SDPA's calls."""
    calls = []
    sdpa = F.scaled_dot_product_attention

    def counted(*args, **kwargs):
        calls.append(kwargs.get('attn_mask') is not None)
        return sdpa(*args, **kwargs)

    monkeypatch.setattr(fused_module, 'FUSED_DEVICES', ('cuda', 'cpu'))
    monkeypatch.setattr(F, 'scaled_dot_product_attention', counted)
    return calls


def gradient_names(mixer):
    """Names of what ``outputs_and_gradients`` returns."""
    return ['output', 'input gradient'] + parameter_gradient_names(mixer)


def outputs_and_gradients(mixer, x):
    mixer.zero_grad()
    x = x.clone().requires_grad_()
    out = mixer(x)
    weights = torch.linspace(-1, 1, out.numel(), device=out.device)
    (out * weights.view_as(out)).sum().backward()
    return [out, x.grad] + [p.grad for p in mixer.parameters()]


@pytest.mark.parametrize('size', SIZES, ids=lambda s: f'{s[0]}x{s[1]}')
@pytest.mark.parametrize('name', sorted(MIXERS))
def test_fused_equals_written_out_forward_and_backward(name, size,
                                                       fused_on_cpu):
    torch.manual_seed(0)
    mixer = MIXERS[name]()
    with torch.no_grad():  # position tables away from their zero init
        for param in mixer.parameters():
            param.add_(torch.randn_like(param) * 0.1)
    x = torch.randn(2, *size, 16)
    written_out = outputs_and_gradients(apply_execution(mixer, fast=False),
                                        x)
    assert not fused_on_cpu
    fused = outputs_and_gradients(apply_execution(mixer, fast=True), x)
    assert fused_on_cpu and all(fused_on_cpu)  # SDPA, with the bias
    assert_all_relatively_close(fused, written_out, REORDERED_KERNELS,
                                gradient_names(mixer))


@pytest.mark.parametrize('name, table', [
    ('swin-shifted', 'relative_position_bias_table'), ('halo', 'height_rel'),
    ('nat', 'relative_position_bias_table')])
def test_the_comparison_sees_a_one_percent_change(name, table, fused_on_cpu):
    """A position table, what the fused path passes differently, moved by
    1 % is seen."""
    torch.manual_seed(0)
    mixer = MIXERS[name]()
    x = torch.randn(2, 13, 7, 16)
    with torch.no_grad():
        getattr(mixer, table).normal_()
        want = apply_execution(mixer, fast=False)(x)
        getattr(mixer, table).mul_(1.01)
        got = apply_execution(mixer, fast=True)(x)
    assert fused_on_cpu
    assert_differs(got, want, REORDERED_KERNELS, 'output')


def test_written_out_on_the_cpu_by_default():
    calls = []
    mixer = apply_execution(MIXERS['halo'](), fast=True)
    sdpa = F.scaled_dot_product_attention
    try:
        F.scaled_dot_product_attention = lambda *a, **k: calls.append(1)
        mixer(torch.randn(1, 8, 8, 16))
    finally:
        F.scaled_dot_product_attention = sdpa
    assert not calls


def test_the_bias_broadcasts_over_the_batch_and_gets_its_gradient():
    torch.manual_seed(0)
    q, k, v = (torch.randn(3, 2, 4, 5, 8, requires_grad=True)
               for _ in range(3))
    bias = torch.randn(2, 4, 5, 5, requires_grad=True)
    mask = torch.zeros(5, 5).masked_fill(torch.eye(5).flip(0) > 0,
                                         float('-inf'))
    results = []
    for attend in (fused_attention, None):
        for t in (q, k, v, bias):
            t.grad = None
        if attend:
            out = attend(q, k, v, bias + mask)
        else:
            logits = q @ k.transpose(-2, -1) * 8**-0.5 + bias + mask
            out = logits.softmax(-1) @ v
        out.square().sum().backward()
        results.append([out] + [t.grad for t in (q, k, v, bias)])
    assert_all_relatively_close(*results, REORDERED_KERNELS,
                                ['output'] + [f'gradient of {n}'
                                              for n in 'qkv'] + ['bias'])


@pytest.mark.parametrize('name', sorted(MIXERS))
def test_fused_under_bfloat16_autocast(name, fused_on_cpu):
    torch.manual_seed(0)
    mixer = apply_execution(MIXERS[name](), fast=True)
    x = torch.randn(2, 13, 7, 16)
    want = mixer(x)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        got = mixer(x)
    assert got.dtype == torch.bfloat16 and fused_on_cpu
    assert_relatively_close(got.float(), want, BFLOAT16, 'output')


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
@pytest.mark.parametrize('dtype', [torch.float32, torch.float16,
                                   torch.bfloat16])
@pytest.mark.parametrize('name', sorted(MIXERS))
def test_fused_on_cuda_equals_written_out(name, dtype):
    torch.manual_seed(0)
    mixer = MIXERS[name]().cuda()
    x = torch.randn(2, 13, 7, 16, device='cuda')
    results = []
    for fast in (False, True):
        apply_execution(mixer, fast=fast)
        with torch.autocast('cuda', dtype=dtype,
                            enabled=dtype != torch.float32):
            results.append(outputs_and_gradients(mixer, x))
    tolerance = REORDERED_KERNELS if dtype == torch.float32 else BFLOAT16
    assert_all_relatively_close([r.float() for r in results[1]],
                                [r.float() for r in results[0]], tolerance,
                                gradient_names(mixer))
