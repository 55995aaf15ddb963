import torch

from mmstm.models.stms import GlobalAttention


def test_every_token_attends_to_every_token():
    torch.manual_seed(0)
    mixer = GlobalAttention(8, num_heads=2)
    x = torch.randn(2, 3, 5, 8)
    out = mixer(x)
    q, k, v = mixer.qkv(x.flatten(1, 2)).view(2, 15, 3, 2, 4).unbind(2)
    attn = torch.einsum('bnhd,bmhd->bhnm', q, k).mul(4**-0.5).softmax(-1)
    naive = torch.einsum('bhnm,bmhd->bnhd', attn, v).reshape(2, 3, 5, 8)
    torch.testing.assert_close(out, mixer.proj(naive))
