import pytest

from mmstm.models.stms import FocalModulation


def test_focal_levels_grow_their_kernels_by_the_factor():
    mixer = FocalModulation(8, focal_window=3, focal_level=3, focal_factor=2)
    assert [layer[0].kernel_size for layer in mixer.focal_layers] == \
        [(3, 3), (5, 5), (7, 7)]
    with pytest.raises(ValueError, match='even focal_factor'):
        FocalModulation(8, focal_factor=3)
