import pytest
import torch
import torch.nn.functional as F

from mmstm.models.stms import DCNv3


def uniform_dcn(embed_dims=8, num_heads=2):
    """Zero offsets and equal weights: a plain 3x3 mean of the values."""
    mixer = DCNv3(embed_dims, num_heads=num_heads)
    mixer.init_weights()
    return mixer.eval()


def mean_3x3(mixer, x, shift_x=0, shift_y=0):
    """3x3 mean (zero padding) of the values, sampled ``shift`` pixels
    right/down of each position."""
    value = mixer.value_proj(x).permute(0, 3, 1, 2)
    height, width = value.shape[-2:]
    value = F.pad(value, (1 + abs(shift_x),) * 2 + (1 + abs(shift_y),) * 2)
    value = value[..., 1 + abs(shift_y) + shift_y - 1:,
                  1 + abs(shift_x) + shift_x - 1:]
    mean = F.avg_pool2d(value, 3, stride=1)[..., :height, :width]
    return mixer.output_proj(mean.permute(0, 2, 3, 1))


@pytest.mark.parametrize('size', [(5, 7), (14, 14), (1, 3)])
def test_initial_mixer_is_a_3x3_mean_with_zero_padding(size):
    mixer = uniform_dcn()
    x = torch.randn(2, *size, 8)
    with torch.no_grad():
        torch.testing.assert_close(mixer(x), mean_3x3(mixer, x))


@pytest.mark.parametrize('shift_x, shift_y', [(1, 0), (0, 1), (-1, 1)])
def test_offsets_move_the_sampling_points_in_x_then_y(shift_x, shift_y):
    mixer = uniform_dcn()
    with torch.no_grad():
        mixer.sampling_offsets.bias.view(-1, 2).copy_(
            torch.tensor([float(shift_x), float(shift_y)]))
        x = torch.randn(1, 6, 9, 8)
        torch.testing.assert_close(mixer(x),
                                   mean_3x3(mixer, x, shift_x, shift_y))


def test_bad_options_are_named():
    with pytest.raises(ValueError, match='odd'):
        DCNv3(8, num_heads=2, kernel_size=4)
    with pytest.raises(ValueError, match='divisible'):
        DCNv3(8, num_heads=3)


@pytest.mark.parametrize('grad', [False, True])
def test_sampling_equals_mmcvs_pytorch_path(grad):
    # mmcv's reference implementation of the op, one level
    from mmcv.ops.multi_scale_deform_attn import \
        multi_scale_deformable_attn_pytorch as mmcv_sample

    from mmstm.models.stms.dcnv3 import deformable_sample
    torch.manual_seed(0)
    batch, height, width, groups, dims, points, queries = 2, 5, 7, 3, 4, 9, 6
    value = torch.randn(batch, height * width, groups, dims,
                        requires_grad=grad)
    locations = (torch.rand(batch, queries, groups, 1, points, 2) * 1.4 -
                 0.2).requires_grad_(grad)  # some outside the map
    weights = torch.rand(batch, queries, groups, 1, points,
                         requires_grad=grad)
    with torch.set_grad_enabled(grad):
        ours = deformable_sample(value, (height, width), locations, weights)
        theirs = mmcv_sample(value, torch.tensor([[height, width]]),
                             locations, weights)
    torch.testing.assert_close(ours, theirs)
    if grad:
        inputs = (value, locations, weights)
        for got, want in zip(
                torch.autograd.grad(ours.square().sum(), inputs),
                torch.autograd.grad(theirs.square().sum(), inputs)):
            torch.testing.assert_close(got, want)
