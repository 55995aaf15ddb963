import pytest
import torch

from mmstm.models.stms import DepthwiseConvMixer


def test_mixes_only_a_kernel_neighbourhood():
    # One input position changes exactly the 7x7 neighbourhood around it.
    mixer = DepthwiseConvMixer(4, kernel_size=7).eval()
    x = torch.zeros(1, 15, 15, 4)
    base = mixer(x)
    x[0, 7, 7] = 1.0
    changed = (mixer(x) - base).abs().sum(-1)[0] > 0
    rows, cols = torch.nonzero(changed, as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (4, 10, 4, 10)


def test_rejects_an_even_kernel():
    with pytest.raises(ValueError, match='odd kernel_size'):
        DepthwiseConvMixer(8, kernel_size=4)
