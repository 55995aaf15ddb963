import pytest
import torch

from mmstm.models.stms import MambaLikeLinearAttention
from mmstm.models.stms.linear_attention import rope_rotations


def test_rope_turns_rows_in_the_first_half_and_columns_in_the_second():
    cos, sin = rope_rotations(3, 4, 16, 'cpu')
    angles = torch.atan2(sin, cos)
    assert angles.shape == (3, 4, 8)
    assert torch.all(angles[:, 0, :4] == angles[:, 3, :4])  # rows only
    assert torch.all(angles[0, :, 4:] == angles[2, :, 4:])  # columns only
    assert torch.all(angles[0, 0] == 0)


def test_mlla_needs_channels_divisible_by_four():
    with pytest.raises(ValueError, match='divisible by 4'):
        MambaLikeLinearAttention(6, num_heads=1)
