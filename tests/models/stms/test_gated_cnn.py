import pytest

from mmstm.models.stms import GatedCNNMixer


def test_gated_cnn_splits_gate_identity_and_convolved_channels():
    mixer = GatedCNNMixer(12, expansion_ratio=2, conv_ratio=0.5)
    assert mixer.split_sizes == (24, 18, 6)
    assert mixer.conv.in_channels == 6 and mixer.fc1.out_features == 48


def test_gated_cnn_refuses_more_convolved_channels_than_hidden():
    with pytest.raises(ValueError, match='conv_ratio=4'):
        GatedCNNMixer(8, expansion_ratio=2, conv_ratio=4)
