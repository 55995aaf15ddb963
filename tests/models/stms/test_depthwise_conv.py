import pytest
import torch

from mmstm.models.stms import DepthwiseConvMixer


@pytest.mark.parametrize('size', [(1, 1), (7, 7), (13, 29)])
def test_keeps_shape_at_any_size(size):
    mixer = DepthwiseConvMixer(16)
    x = torch.randn(2, *size, 16)
    assert mixer(x).shape == x.shape


def test_mixes_only_a_kernel_neighbourhood():
    # One input position changes exactly the 7x7 neighbourhood around it.
    mixer = DepthwiseConvMixer(4, kernel_size=7).eval()
    x = torch.zeros(1, 15, 15, 4)
    base = mixer(x)
    x[0, 7, 7] = 1.0
    changed = (mixer(x) - base).abs().sum(-1)[0] > 0
    rows, cols = torch.nonzero(changed, as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (4, 10, 4, 10)


def test_rejects_bad_arguments_and_layouts():
    with pytest.raises(ValueError, match='odd kernel_size'):
        DepthwiseConvMixer(8, kernel_size=4)
    with pytest.raises(ValueError, match='channels-last'):
        DepthwiseConvMixer(8)(torch.randn(1, 8, 5, 5))
