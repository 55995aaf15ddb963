import pytest
import torch

from mmstm.models.execution import apply_execution
from mmstm.models.stms import NeighborhoodAttention

from tests.numerics import SUMMATION_ORDER, assert_relatively_close


def naive_neighbourhood_attention(mixer, x):
    """NAT's formula, one query at a time: the window of each query starts
    at ``clamp(i - k // 2, 0, H - k)`` on each axis."""
    _, height, width, channels = x.shape
    heads, size = mixer.num_heads, mixer.kernel_size
    side = 2 * size - 1
    q, k, v = mixer.qkv(x).view(*x.shape[:3], 3, heads, -1).unbind(3)
    out = torch.zeros(x.shape[0], height, width, heads, channels // heads)
    for i in range(height):
        for j in range(width):
            kh, kw = min(size, height), min(size, width)
            top = min(max(i - size // 2, 0), height - kh)
            left = min(max(j - size // 2, 0), width - kw)
            rows = range(top, top + kh)
            cols = range(left, left + kw)
            keys = torch.stack([k[:, a, b] for a in rows for b in cols], 2)
            values = torch.stack([v[:, a, b] for a in rows for b in cols], 2)
            bias = torch.stack([
                mixer.relative_position_bias_table[
                    :, (a - i + size - 1) * side + (b - j + size - 1)]
                for a in rows for b in cols], -1)
            logits = torch.einsum('bhd,bhnd->bhn', q[:, i, j],
                                  keys) * q.shape[-1]**-0.5 + bias
            out[:, i, j] = torch.einsum('bhn,bhnd->bhd', logits.softmax(-1),
                                        values)
    return mixer.proj(out.flatten(-2))


# (7, 9): one tile; (3, 8): a side shorter than the kernel; (11, 13) with a
# 3x3 kernel: tiles of 3, the last ones cut short
@pytest.mark.parametrize('size,kernel', [((7, 9), 5), ((3, 8), 5),
                                         ((11, 13), 3)])
def test_neighbourhood_attention_is_nats_formula(size, kernel):
    torch.manual_seed(0)
    mixer = NeighborhoodAttention(8, num_heads=2, kernel_size=kernel)
    torch.nn.init.normal_(mixer.relative_position_bias_table)
    x = torch.randn(2, *size, 8)
    assert_relatively_close(mixer(x), naive_neighbourhood_attention(
        mixer, x), SUMMATION_ORDER, 'output')


def test_border_queries_see_a_full_shifted_window():
    # the corner query's window is the top-left k x k block, not a cut one:
    # a value change outside it leaves the corner unchanged, inside it not
    torch.manual_seed(0)
    mixer = NeighborhoodAttention(4, num_heads=1, kernel_size=3)
    x = torch.randn(1, 6, 6, 4)
    changed = x.clone()
    changed[0, 2, 2] += 1  # inside the corner's clamped window
    assert not torch.allclose(mixer(changed)[0, 0, 0], mixer(x)[0, 0, 0])
    changed = x.clone()
    changed[0, 3, 0] += 1
    torch.testing.assert_close(mixer(changed)[0, 0, 0], mixer(x)[0, 0, 0])


def test_even_kernel_is_refused():
    with pytest.raises(ValueError, match='odd kernel_size'):
        NeighborhoodAttention(8, num_heads=2, kernel_size=6)


def test_flops_are_the_operators_not_the_tiles():
    # each query: k*k logits and k*k weighted values of d channels per head,
    # though its fast (tiled) form multiplies every tile's whole key span
    from mmstm.analysis.complexity import count_flops
    mixer = apply_execution(NeighborhoodAttention(8, num_heads=2,
                                                  kernel_size=3))
    tokens, channels = 11 * 11, 8
    projections = tokens * channels * 3 * channels + tokens * channels**2
    attention = 2 * tokens * 3 * 3 * channels
    assert count_flops(mixer, (1, 11, 11, 8)) == projections + attention
