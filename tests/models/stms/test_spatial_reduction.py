import pytest
import torch

from mmstm.models.stms import SpatialReductionAttention


def naive_attention(mixer, x):
    batch, height, width, channels = x.shape
    heads = mixer.num_heads
    tokens = x.permute(0, 3, 1, 2)
    if mixer.sr_ratio > 1:  # floor mode: the map is a multiple here
        tokens = mixer.sr(tokens)
    tokens = tokens.flatten(2).transpose(1, 2)
    if mixer.sr_ratio > 1:
        tokens = mixer.norm(tokens)
    q = mixer.q(x.flatten(1, 2)).view(batch, -1, heads, channels // heads)
    k, v = mixer.kv(tokens).view(batch, -1, 2, heads,
                                 channels // heads).unbind(2)
    logits = torch.einsum('bnhd,bmhd->bhnm', q, k) * q.shape[-1]**-0.5
    out = torch.einsum('bhnm,bmhd->bnhd', logits.softmax(-1), v)
    return mixer.proj(out.reshape(batch, height, width, channels))


@pytest.mark.parametrize('sr_ratio', [1, 4])
def test_is_global_attention_over_the_reduced_map(sr_ratio):
    mixer = SpatialReductionAttention(8, num_heads=2, sr_ratio=sr_ratio)
    x = torch.randn(2, 8, 12, 8)
    with torch.no_grad():
        torch.testing.assert_close(mixer(x), naive_attention(mixer, x))


def test_every_token_reaches_the_keys_when_the_side_is_not_a_multiple():
    mixer = SpatialReductionAttention(8, num_heads=2, sr_ratio=4).eval()
    x = torch.randn(1, 10, 10, 8)
    base = mixer(x)
    x[0, 9, 9] += 10  # in the remainder that a floor-mode conv would drop
    assert (mixer(x)[0, 0, 0] - base[0, 0, 0]).abs().sum() > 1e-6


def test_ratio_one_has_no_reduction_layers():
    mixer = SpatialReductionAttention(8, num_heads=2, sr_ratio=1)
    assert not hasattr(mixer, 'sr') and not hasattr(mixer, 'norm')
    with pytest.raises(ValueError, match='sr_ratio'):
        SpatialReductionAttention(8, num_heads=2, sr_ratio=0)
