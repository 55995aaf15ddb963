import pytest
import torch

from mmstm.models.stms import InceptionConvMixer


def test_inception_passes_its_identity_channels_through():
    # 2 channels per branch, the first 16 - 3 * 2 passed through
    mixer = InceptionConvMixer(16, projections=False, branch_ratio=0.125)
    x = torch.randn(2, 5, 7, 16)
    torch.testing.assert_close(mixer(x)[..., :10], x[..., :10])
    assert not torch.allclose(mixer(x)[..., 10:], x[..., 10:])


def test_inception_refuses_branches_of_no_channel():
    with pytest.raises(ValueError, match='branch_ratio=0.05'):
        InceptionConvMixer(16, branch_ratio=0.05)
