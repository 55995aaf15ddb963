import torch
import torch.nn.functional as F

from mmstm.models.stms import PoolingMixer


def test_pooling_is_the_neighbourhood_mean_minus_the_token():
    x = torch.randn(2, 5, 4, 3)
    out = PoolingMixer(3)(x)
    padded = F.pad(x, (0, 0, 1, 1, 1, 1))
    count = F.pad(torch.ones(1, 5, 4, 1), (0, 0, 1, 1, 1, 1))
    for i in range(5):
        for j in range(4):
            window = padded[:, i:i + 3, j:j + 3]
            mean = window.sum((1, 2)) / count[:, i:i + 3, j:j + 3].sum()
            torch.testing.assert_close(out[:, i, j], mean - x[:, i, j])


def test_a_constant_map_mixes_to_zero_without_parameters():
    mixer = PoolingMixer(8)
    assert not list(mixer.parameters())
    assert mixer(torch.ones(1, 5, 7, 8)).abs().max() == 0
