import pytest
import torch

from mmstm.models.stms import HaloAttention


# (the query-related tables: tests/models/stms/test_contract.py)
@pytest.mark.parametrize('size', [(3, 5), (7, 7), (14, 21), (9, 23)])
def test_query_free_bias_keeps_shape_and_trains(size):
    mixer = HaloAttention(16, num_heads=2, pos_embed_type='query_free')
    x = torch.randn(2, *size, 16)
    out = mixer(x)
    assert out.shape == x.shape
    (out * torch.randn_like(out)).sum().backward()
    for param in mixer.parameters():
        assert param.grad.abs().sum() > 0


def naive_halo(mixer, x):
    """Per-query attention over the real pixels of its block's window."""
    batch, height, width, channels = x.shape
    heads, bs, halo = mixer.num_heads, mixer.block_size, mixer.halo_size
    q = mixer.q(x).view(batch, height, width, heads, -1)
    kv = mixer.kv(x).view(batch, height, width, heads, 2, -1)
    out = torch.zeros(batch, height, width, heads, channels // heads)
    for i in range(height):
        for j in range(width):
            top, left = i // bs * bs - halo, j // bs * bs - halo
            rows = slice(max(top, 0), top + bs + 2 * halo)
            cols = slice(max(left, 0), left + bs + 2 * halo)
            k = kv[:, rows, cols, :, 0].flatten(1, 2)  # (B, M, heads, d)
            v = kv[:, rows, cols, :, 1].flatten(1, 2)
            logits = torch.einsum('bhd,bmhd->bhm', q[:, i, j], k)
            weights = (logits * q.shape[-1]**-0.5).softmax(-1)
            out[:, i, j] = torch.einsum('bhm,bmhd->bhd', weights, v)
    return mixer.proj(out.flatten(-2))


@pytest.mark.parametrize('size', [(9, 11), (5, 4), (14, 7)])
def test_attends_to_exactly_the_real_pixels_of_the_window(size):
    # With a zero bias table the query-free variant is plain attention over
    # the window: padding (halo at the border, block remainder) is masked.
    mixer = HaloAttention(8, num_heads=2, pos_embed_type='query_free').eval()
    torch.nn.init.zeros_(mixer.relative_position_bias_table)
    x = torch.randn(2, *size, 8)
    with torch.no_grad():
        torch.testing.assert_close(mixer(x), naive_halo(mixer, x))


def test_a_pixel_reaches_the_blocks_whose_halo_holds_it():
    mixer = HaloAttention(8, num_heads=2).eval()
    x = torch.randn(1, 28, 28, 8)
    base = mixer(x)
    x[0, 12, 12] += 10
    reached = (mixer(x) - base).abs().sum(-1)[0] > 1e-6
    rows, cols = torch.nonzero(reached, as_tuple=True)
    # (12, 12) is in block 1 (rows 7..13) and in the halo of block 2
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (7, 20, 7, 20)


def test_position_tables_are_resized_for_another_window():
    trained = HaloAttention(8, num_heads=2)  # window 13: tables of 25
    other = HaloAttention(8, num_heads=2, block_size=8, halo_size=4)
    other.load_state_dict(trained.state_dict())
    assert other.height_rel.shape == (31, 4)
    # aligned corners: the extreme offsets keep their embeddings
    torch.testing.assert_close(other.height_rel[[0, -1]],
                               trained.height_rel[[0, -1]])
    free = HaloAttention(8, num_heads=2, pos_embed_type='query_free')
    free_other = HaloAttention(8, num_heads=2, block_size=8, halo_size=4,
                               pos_embed_type='query_free')
    free_other.load_state_dict(free.state_dict())
    assert free_other.relative_position_bias_table.shape == (31 * 31, 2)


def test_bad_options_are_named():
    with pytest.raises(ValueError, match='pos_embed_type'):
        HaloAttention(8, num_heads=2, pos_embed_type='absolute')
    with pytest.raises(ValueError, match='divisible'):
        HaloAttention(8, num_heads=3)


def test_zero_padding_attends_to_the_block_remainder_only():
    # padding='zeros' (the detection code): a 9x11 map behaves as the map
    # zero-padded to 14x14 by hand; the halo beyond that stays masked.
    mixer = HaloAttention(8, num_heads=2, padding='zeros').eval()
    x = torch.randn(1, 9, 11, 8)
    padded = torch.nn.functional.pad(x, (0, 0, 0, 3, 0, 5))
    with torch.no_grad():
        torch.testing.assert_close(mixer(x), mixer(padded)[:, :9, :11])
    with pytest.raises(ValueError, match='padding must be one of'):
        HaloAttention(8, num_heads=2, padding='none')
