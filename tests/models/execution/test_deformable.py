"""DCNv3's fast form: mmcv's CUDA kernel, the CPU's elementwise passes and
the compiled sampling operator compute the mixer's own expressions."""
import pytest
import torch
import torch.nn.functional as F

from mmstm.models.execution import apply_execution
from mmstm.models.execution.deformable import (kernel_batch_chunk,
                                               softmax_over_points)
from mmstm.models.stms import DCNv3


@pytest.mark.parametrize('batch, step, chunk', [
    (128, 128, 128), (64, 128, 64), (200, 128, 100), (3, 2, 1), (7, 128, 7),
    (256, 128, 128), (1, 128, 1)])
def test_kernel_chunks_divide_every_batch(batch, step, chunk):
    assert kernel_batch_chunk(batch, step) == chunk


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_cuda_kernel_agrees_with_the_pytorch_path():
    torch.manual_seed(0)
    # a batch of 3 with a chunk of 2: the kernel alone would refuse it
    mixer = apply_execution(DCNv3(64, num_heads=4, im2col_step=2))
    torch.nn.init.normal_(mixer.sampling_offsets.weight, std=0.5)
    x = torch.randn(3, 25, 33, 64, requires_grad=True)
    out_cpu = mixer(x)
    out_cpu.square().sum().backward()
    grad_cpu = x.grad.clone()
    x_cuda = x.detach().cuda().requires_grad_()
    out_cuda = mixer.cuda()(x_cuda)
    out_cuda.square().sum().backward()
    torch.testing.assert_close(out_cuda.cpu(), out_cpu, atol=1e-4, rtol=1e-4)
    torch.testing.assert_close(x_cuda.grad.cpu(), grad_cpu, atol=1e-3,
                               rtol=1e-3)


def test_sampling_operator_is_grid_sample_with_its_gradients():
    # the operator torch.compile keeps whole: F.grid_sample's values and
    # gradients, and a registration (shape function, autograd) that
    # torch.library's checks accept
    from mmstm.models.execution.deformable import grid_sample_op as grid_sample
    value = torch.randn(3, 4, 6, 7, requires_grad=True)
    grid = (torch.rand(3, 5, 9, 2) * 2.4 - 1.2).requires_grad_()  # some out
    want = F.grid_sample(value, grid, align_corners=False)
    got = grid_sample(value, grid)
    torch.testing.assert_close(got, want)
    for got_grad, want_grad in zip(
            torch.autograd.grad(got.square().sum(), (value, grid)),
            torch.autograd.grad(want.square().sum(), (value, grid))):
        torch.testing.assert_close(got_grad, want_grad)
    torch.library.opcheck(grid_sample, (value, grid))


@pytest.mark.parametrize('grad', [False, True])
def test_softmax_over_points_is_softmax(grad):
    logits = torch.randn(2, 5, 3, 9) * 30  # exp() of these would overflow
    logits[0, 0, 0] = 200.0
    logits.requires_grad_(grad)
    with torch.set_grad_enabled(grad):
        ours, theirs = softmax_over_points(logits), logits.softmax(-1)
    torch.testing.assert_close(ours, theirs)
    if grad:
        upstream = torch.randn_like(ours)
        torch.testing.assert_close(
            torch.autograd.grad(ours, logits, upstream)[0],
            torch.autograd.grad(theirs, logits, upstream)[0])


def test_inference_sums_the_points_as_the_plain_mixer():
    torch.manual_seed(0)
    plain = DCNv3(16, num_heads=2)
    torch.nn.init.normal_(plain.sampling_offsets.weight, std=0.5)
    torch.nn.init.normal_(plain.attention_weights.weight, std=0.5)
    x = torch.randn(3, 6, 9, 16)
    with torch.no_grad():
        want = plain(x)
        got = apply_execution(plain)(x)
    torch.testing.assert_close(got, want)
