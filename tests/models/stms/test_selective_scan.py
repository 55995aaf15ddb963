import pytest
import torch
import torch.nn.functional as F
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from mmstm.models.stms import SelectiveScan2D
from mmstm.models.stms import selective_scan as selective_scan_module
from mmstm.models.stms.selective_scan import selective_scan

from tests.conftest import REPO_ROOT, build_classifier
from tests.numerics import (REORDERED_KERNELS, SUMMATION_ORDER,
                            assert_all_relatively_close,
                            assert_relatively_close)


def sequential_scan(u, delta, A, B, C, D):
    """Mamba's recurrence, one step at a time."""
    state = u.new_zeros(*u.shape[:-1], A.shape[-1])
    outputs = []
    for t in range(u.shape[-1]):
        state = torch.exp(delta[..., t, None] * A) * state + \
            delta[..., t, None] * B[:, :, None, :, t] * u[..., t, None]
        outputs.append((state * C[:, :, None, :, t]).sum(-1) +
                       D * u[..., t])
    return torch.stack(outputs, -1)


def scan_inputs(length, generator):
    def rand(*shape):
        return torch.randn(*shape, generator=generator, requires_grad=True)
    u, B, C = rand(2, 4, 3, length), rand(2, 4, 5, length), \
        rand(2, 4, 5, length)
    delta = torch.rand(2, 4, 3, length, generator=generator)
    A = -3 * torch.rand(4, 3, 5, generator=generator)
    return u, delta.requires_grad_(), A.requires_grad_(), B, C, rand(4, 3)


# recompute_above 0: the backward pass recomputes the scan (large inputs)
@pytest.mark.parametrize('chunk_size,recompute_above', [
    (1, None), (8, None), (64, None), (8, 0)])
def test_chunked_scan_and_its_gradients_equal_the_sequential_loop(
        chunk_size, recompute_above, monkeypatch):
    recomputed = []
    if recompute_above is not None:
        monkeypatch.setattr(selective_scan_module, 'RECOMPUTE_ABOVE',
                            recompute_above)
        checkpoint = selective_scan_module.checkpoint
        monkeypatch.setattr(
            selective_scan_module, 'checkpoint',
            lambda *a, **k: recomputed.append(1) or checkpoint(*a, **k))
    inputs = scan_inputs(37, torch.Generator().manual_seed(0))
    want = sequential_scan(*inputs)
    got = selective_scan(*inputs, chunk_size=chunk_size)
    assert len(recomputed) == (recompute_above is not None)
    assert_relatively_close(got, want, SUMMATION_ORDER, 'scan output')
    want_grads = torch.autograd.grad(want.square().sum(), inputs)
    got_grads = torch.autograd.grad(got.square().sum(), inputs)
    assert_all_relatively_close(got_grads, want_grads, REORDERED_KERNELS,
                                [f'gradient of input {i}'
                                 for i in range(len(inputs))])


def naive_ss2d(mixer, x):
    """VMamba's SS2D written out per direction: each of the four orders of
    the tokens (row-major, column-major, both reversed) is scanned by its
    own selective SSM step by step, and the four outputs are summed at each
    token."""
    batch, height, width, _ = x.shape
    inner, gate = mixer.in_proj(x).chunk(2, -1)
    inner = F.silu(mixer.conv(inner.permute(0, 3, 1, 2)))  # (B, D, H, W)
    positions = [(i, j) for i in range(height) for j in range(width)]
    orders = [positions, sorted(positions, key=lambda p: (p[1], p[0]))]
    orders += [o[::-1] for o in orders]
    merged = torch.zeros_like(inner)
    for k, order in enumerate(orders):
        u = torch.stack([inner[:, :, i, j] for i, j in order], -1)
        dt, B, C = torch.einsum('bdl,cd->bcl', u, mixer.x_proj_weight[k]) \
            .split([mixer.dt_rank, mixer.d_state, mixer.d_state], 1)
        delta = F.softplus(torch.einsum('brl,dr->bdl', dt,
                                        mixer.dt_projs_weight[k]) +
                           mixer.dt_projs_bias[k, :, None])
        y = sequential_scan(u[:, None], delta[:, None],
                            -torch.exp(mixer.A_logs[k:k + 1]), B[:, None],
                            C[:, None], mixer.Ds[k:k + 1])[:, 0]
        for t, (i, j) in enumerate(order):
            merged[:, :, i, j] += y[:, :, t]
    out = mixer.norm(merged.permute(0, 2, 3, 1))
    return mixer.out_proj(out * F.silu(gate))


@pytest.mark.parametrize('size', [(3, 5), (1, 4)])
def test_ss2d_is_four_directional_selective_scans_merged(size):
    torch.manual_seed(0)
    mixer = SelectiveScan2D(8, d_state=4, chunk_size=4)
    x = torch.randn(2, *size, 8)
    assert_relatively_close(mixer(x), naive_ss2d(mixer, x), SUMMATION_ORDER,
                            'output')


def test_initial_state_space_follows_vmamba():
    mixer = SelectiveScan2D(16, d_state=4, dt_min=0.01, dt_max=0.1)
    assert torch.equal(-torch.exp(mixer.A_logs[0, 0]),
                       -torch.arange(1., 5.))
    assert torch.equal(mixer.Ds, torch.ones_like(mixer.Ds))
    steps = F.softplus(mixer.dt_projs_bias)
    assert steps.min() >= 0.01 - 1e-6 and steps.max() <= 0.1 + 1e-6


def test_imagenet_recipe_keeps_weight_decay_off_the_state_space():
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/classification/ss2d/'
                          'ss2d-micro_8xb128_in1k.py')
    model = build_classifier(cfg)
    cfg.optim_wrapper.type = 'OptimWrapper'  # AMP's wrapper needs CUDA
    cfg.optim_wrapper.pop('loss_scale', None)
    groups = build_optim_wrapper(model, cfg.optim_wrapper).param_groups
    decay = {id(p): group['weight_decay'] for group in groups
             for p in group['params']}
    for name, param in model.named_parameters():
        if name.endswith(('.A_logs', '.Ds', '.dt_projs_bias')):
            assert decay[id(param)] == 0, name
        elif name.endswith(('.x_proj_weight', '.dt_projs_weight')):
            assert decay[id(param)] == 0.05, name


@pytest.mark.parametrize('outputs_used', ['both', 'states'])
def test_scans_written_out_gradient_is_autograds(outputs_used):
    from mmstm.models.stms.selective_scan import _LinearScan
    generator = torch.Generator().manual_seed(0)
    decay = torch.rand(2, 3, 13, 4, generator=generator).requires_grad_()
    drive = torch.randn(2, 3, 13, 4, generator=generator).requires_grad_()

    def step_by_step(decay, drive):
        products, states = [decay[..., 0, :]], [drive[..., 0, :]]
        for t in range(1, decay.shape[-2]):
            products.append(products[-1] * decay[..., t, :])
            states.append(states[-1] * decay[..., t, :] + drive[..., t, :])
        return torch.stack(products, -2), torch.stack(states, -2)

    grads = []
    for scan in (_LinearScan.apply, step_by_step):
        products, states = scan(decay, drive)
        loss = states.square().sum()
        if outputs_used == 'both':
            loss = loss + (products * torch.arange(4.)).sum()
        grads.append(torch.autograd.grad(loss, (decay, drive)))
    for got, want in zip(*grads):
        torch.testing.assert_close(got, want)
