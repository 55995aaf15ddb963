import torch

from mmstm.models.necks import ExpandPoolNeck


def test_expands_by_ratio_and_pools():
    neck = ExpandPoolNeck(in_channels=32, expand_ratio=1.5)
    out = neck((torch.randn(2, 16, 9, 9), torch.randn(2, 32, 5, 7)))
    assert neck.out_channels == 48
    assert isinstance(out, tuple) and out[0].shape == (2, 48)
    assert tuple(neck.conv.weight.shape) == (48, 32, 1, 1)
    assert neck.conv.bias is None
