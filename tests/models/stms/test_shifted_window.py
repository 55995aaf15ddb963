import pytest
import torch

from mmstm.models.stms import ShiftedWindowAttention


def influence(mixer, size, source):
    """Which outputs change when the input at ``source`` changes."""
    x = torch.randn(1, *size, mixer.embed_dims)
    base = mixer(x)
    x[0, source[0], source[1]] += 10
    return ((mixer(x) - base).abs().sum(-1)[0] > 1e-6)


def test_regular_windows_do_not_mix_across_window_borders():
    mixer = ShiftedWindowAttention(8, num_heads=2).eval()
    reached = influence(mixer, (14, 14), (2, 2))
    assert reached[:7, :7].all() and not reached[7:].any() \
        and not reached[:, 7:].any()


def test_shifted_windows_mix_across_the_regular_borders():
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
    reached = influence(mixer, (14, 14), (6, 6))
    # the shifted window holding (6, 6) spans rows/cols 3..9
    rows, cols = torch.nonzero(reached, as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (3, 9, 3, 9)


def test_wrapped_regions_stay_separate():
    # After the cyclic shift, the last window also holds the wrapped-around
    # first rows; the mask keeps them from attending to each other.
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
    reached = influence(mixer, (14, 14), (0, 0))
    assert not reached[10:].any() and not reached[:, 10:].any()


def test_padded_keys_are_masked():
    # 9x9 is padded to 14x14: the bottom-right window holds 2x2 real tokens
    # and 45 padded ones. With padding masked, it attends exactly as the
    # 2x2 map on its own (one whole-map window).
    mixer = ShiftedWindowAttention(8, num_heads=2).eval()
    x = torch.randn(1, 9, 9, 8)
    torch.testing.assert_close(mixer(x)[:, 7:, 7:], mixer(x[:, 7:, 7:]))


def test_map_no_larger_than_the_window_is_one_unshifted_window():
    shifted = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
    plain = ShiftedWindowAttention(8, num_heads=2, shift=False).eval()
    plain.load_state_dict(shifted.state_dict())
    x = torch.randn(2, 5, 7, 8)
    torch.testing.assert_close(shifted(x), plain(x))
    reached = influence(plain, (5, 7), (0, 0))
    assert reached.all()


def test_zero_padding_is_attended_as_the_detection_code_does():
    # 9x9 padded to 14x14: with padding='zeros' the bottom-right 2x2 real
    # tokens also attend to the 45 zero tokens, which equals padding the
    # input map with zeros yourself (a multiple of the window needs none).
    mixer = ShiftedWindowAttention(8, num_heads=2, padding='zeros').eval()
    x = torch.randn(1, 9, 9, 8)
    padded = torch.nn.functional.pad(x, (0, 0, 0, 5, 0, 5))
    torch.testing.assert_close(mixer(x), mixer(padded)[:, :9, :9])
    masked = ShiftedWindowAttention(8, num_heads=2).eval()
    masked.load_state_dict(mixer.state_dict())
    assert not torch.allclose(mixer(x)[:, 7:, 7:], masked(x)[:, 7:, 7:])


def test_zero_padding_shifts_maps_smaller_than_the_window():
    shifted = ShiftedWindowAttention(8, num_heads=2, shift=True,
                                     padding='zeros').eval()
    plain = ShiftedWindowAttention(8, num_heads=2, padding='zeros').eval()
    plain.load_state_dict(shifted.state_dict())
    x = torch.randn(2, 5, 6, 8)
    assert not torch.allclose(shifted(x), plain(x))
    with pytest.raises(ValueError, match='padding must be one of'):
        ShiftedWindowAttention(8, num_heads=2, padding='reflect')


@pytest.mark.parametrize('shift', [False, True])
def test_padded_queries_keep_gradients_finite(shift):
    # Masked pairs weigh exactly zero (-inf); a padded query sees no real
    # key, so its row must stay unmasked or its softmax (cropped away, but
    # still back-propagated through) would be NaN.
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=shift)
    x = torch.randn(2, 9, 11, 8, requires_grad=True)
    out = mixer(x)
    (out * torch.randn_like(out)).sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(x.grad).all()
    for param in mixer.parameters():
        assert torch.isfinite(param.grad).all()


def test_masked_pairs_weigh_exactly_zero():
    # The official -100 leaves weights of ~1e-44 (denormal floats, slow on
    # the CPU); regions separated by the shift get none at all.
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
    mask = mixer._mask(14, 14, torch.device('cpu'), torch.float32)
    weights = (mask + torch.randn(mask.shape[-2:])).softmax(-1)
    assert (weights[mask == float('-inf')] == 0).all()
    assert (weights[mask != float('-inf')] > 0).all()


def test_testing_follows_every_change_of_the_bias_table():
    # without gradients the mask is kept per shape, so it must be rebuilt
    # when the table changes: an optimiser step, an update through .data
    # (mmengine's EMA), a loaded state dict
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
    x = torch.randn(2, 14, 14, 8)
    table = mixer.relative_position_bias_table
    optimizer = torch.optim.SGD([table], lr=1.0)

    def optimizer_step():
        table.grad = torch.randn_like(table)
        optimizer.step()

    def update_data():
        table.data.add_(torch.randn_like(table))

    def load_other():
        other = ShiftedWindowAttention(8, num_heads=2, shift=True)
        mixer.load_state_dict(other.state_dict())

    for change in (optimizer_step, update_data, load_other):
        with torch.no_grad():
            before = mixer(x)
            change()
            after = mixer(x)
        fresh = ShiftedWindowAttention(8, num_heads=2, shift=True).eval()
        fresh.load_state_dict(mixer.state_dict())
        with torch.no_grad():
            assert not torch.allclose(after, before)
            torch.testing.assert_close(after, fresh(x))


@pytest.mark.parametrize('shift', [False, True])
@pytest.mark.parametrize('size', [(14, 14), (9, 13), (5, 6)])
def test_tokens_reach_the_same_window_places_as_roll_and_partition(
        shift, size):
    # the one-gather partition against the literal pad, roll, partition
    mixer = ShiftedWindowAttention(8, num_heads=2, shift=shift)
    (wh, ww), step, (hp, wp) = mixer._layout(*size)
    to_windows, back = mixer._geometry(*size, torch.device('cpu'))[2:]
    x = torch.randn(1, *size, 3)
    padded = torch.nn.functional.pad(x, (0, 0, 0, wp - size[1], 0,
                                         hp - size[0]))
    rolled = torch.roll(padded, (-step, -step), (1, 2))
    literal = rolled.view(1, hp // wh, wh, wp // ww, ww, 3).transpose(2, 3)
    ours = padded.flatten(1, 2)[:, to_windows]
    assert torch.equal(ours, literal.reshape(1, -1, 3))
    assert torch.equal(ours[:, back].view(x.shape), x)
