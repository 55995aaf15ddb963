import pytest
import torch
import torch.nn.functional as F

from mmstm.models.stms import HeatConduction
from mmstm.models.stms.heat_conduction import dct_matrix

from tests.numerics import SUMMATION_ORDER, assert_relatively_close


@pytest.mark.parametrize('size', [1, 5, 14])
def test_the_dct_is_orthonormal(size):
    matrix = dct_matrix(size)
    torch.testing.assert_close(matrix @ matrix.T, torch.eye(size))


def test_the_embedding_is_kept_at_its_size_and_resized_bicubically_else():
    mixer = HeatConduction(8, freq_size=6)
    assert mixer.frequency_embedding(6, 6) is mixer.freq_embed
    resized = mixer.frequency_embedding(4, 9)
    want = F.interpolate(mixer.freq_embed.permute(2, 0, 1)[None], (4, 9),
                         mode='bicubic', align_corners=False)
    torch.testing.assert_close(resized, want[0].permute(1, 2, 0))


def test_zero_conductivity_is_the_gated_projection_of_the_input():
    """k = 0: no decay, IDCT(DCT(u)) = u, what remains is the norm, gate and
    projections around the transform."""
    mixer = HeatConduction(8, freq_size=4).eval()
    with torch.no_grad():
        mixer.to_k[0].weight.zero_()
        mixer.to_k[0].bias.fill_(-1.0)  # ReLU(-1) = 0
        x = torch.randn(2, 5, 7, 8)
        u, z = mixer.linear(mixer.dwconv(x.permute(0, 3, 1, 2))
                            .permute(0, 2, 3, 1)).chunk(2, -1)
        want = mixer.out_linear(mixer.out_norm(u) * F.silu(z))
        assert_relatively_close(mixer(x), want, SUMMATION_ORDER, 'output')
