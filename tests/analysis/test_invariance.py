"""Invariance views and scores: the paper protocol's views are the official
code's, bit for bit; mmstm's protocol reproduces the standard view at the
identity strengths."""
import numpy as np
import pytest
import torch

from mmstm.analysis.classifier import load_classifier
from mmstm.analysis.images import (crop_at, list_images, load_samples,
                                   resize_shorter, standard_view)
from mmstm.analysis.invariance import evaluate_invariance, rotate, views
from mmstm.analysis.paper_views import MODES, PaperViews, draw_modes
from mmstm.analysis.plots import plot_invariance

from tests.conftest import data_file, tiny_classifier_config


@pytest.fixture(scope='module')
def samples():
    listed = list_images(data_file('imagenet-val-mini/val'),
                         data_file('imagenet-val-mini/val.txt'))
    return load_samples(listed[3:6])  # one of them grayscale


def test_identity_strengths_are_the_standard_view(samples):
    image = samples[0][0]
    standard = standard_view(image)
    for kind, strength in (('translation', 0), ('rotation_before_crop', 0),
                           ('rotation_after_crop', 0), ('scale', 0.875)):
        view, = views(image, kind, strength)
        torch.testing.assert_close(view, standard, msg=kind)


def test_translation_shifts_the_window_in_eight_directions():
    image = torch.rand(3, 300, 300)
    shifted = views(image, 'translation', 8)
    assert len(shifted) == 8
    resized = resize_shorter(image, 256)
    # first direction: up and left, the window's centre at (120, 120)
    torch.testing.assert_close(shifted[0], resized[:, 8:232, 8:232])
    window = crop_at(torch.arange(100.).reshape(1, 10, 10), 5, 5, 4)
    assert window[0, 0, 0] == 33  # rows/cols 3..6 of a 10x10 grid
    padded = crop_at(torch.ones(1, 10, 10), 1, 1, 4)
    assert padded[0, 0].tolist() == [0, 0, 0, 0] and padded[0, 3, 3] == 1


@pytest.fixture(scope='module')
def official():
    """The official transforms' outputs on one real image (uint8, before
    normalisation; see tests/data/README.md)."""
    return torch.load(data_file(
        'reference/analysis/official_invariance_views.pth'),
        weights_only=False)


def as_uint8(view):
    return (view * 255).round().to(torch.uint8)


def test_paper_views_are_the_official_ones_bit_for_bit(official):
    image = load_samples([(data_file(
        f'imagenet-val-mini/val/{official["image"]}'), None)])[0][0]
    paper = PaperViews(image)
    assert torch.equal(as_uint8(paper.standard()), official['standard'])
    for (shift, mode), expected in official['translation'].items():
        assert torch.equal(as_uint8(paper.translation(shift, mode)),
                           expected), (shift, mode)
    # PIL's bicubic rotation itself, black corners: identical too
    for key, before_crop in (('rotation_pre', True),
                             ('rotation_post', False)):
        for degrees, expected in official[key].items():
            assert torch.equal(as_uint8(paper.rotation(degrees, before_crop)),
                               expected), (key, degrees)
    # and the official views are not mmstm's true shift (the test would
    # pass for either otherwise)
    true_shift = views(image, 'translation', 40)[1]  # up, window at -40
    assert not torch.equal(as_uint8(true_shift),
                           official['translation'][(40, 2)])


def test_paper_directions_are_seven_drawn_per_image_and_seeded():
    modes = draw_modes(50, 17, seed=3)
    assert modes.shape == (50, 17) and set(modes.ravel()) == set(range(7))
    np.random.seed(3)  # the official code: one randint(7) per view
    official = [np.random.randint(7) for _ in range(50 * 17)]
    assert modes.ravel().tolist() == official
    assert len(MODES) == 8  # the eighth is listed, never drawn


def test_scores_at_identity_strengths_are_consistent(samples, tmp_path):
    classifier = load_classifier(tiny_classifier_config(tmp_path))
    rows = evaluate_invariance(
        classifier, samples, protocol='mmstm',
        strengths=dict(translation=[0, 16], rotation_before_crop=[0, 45],
                       rotation_after_crop=[0], scale=[0.875, 1.5]))
    by_key = {(r['kind'], r['strength']): r for r in rows}
    for key in (('translation', 0), ('rotation_before_crop', 0),
                ('rotation_after_crop', 0), ('scale', 0.875)):
        assert by_key[key]['consistency'] == 100.0
    assert by_key[('translation', 16)]['num_views'] == 8 * len(samples)
    paper = evaluate_invariance(
        classifier, samples, strengths=dict(translation=[0, 16],
                                            scale=[0.875]),
        kinds=('translation', 'scale'))
    assert [r['protocol'] for r in paper] == ['paper'] * 3
    assert [r['num_views'] for r in paper] == [len(samples)] * 3
    assert paper[-1]['consistency'] == 100.0  # scale 0.875: the standard
    assert all(0 <= r['top1'] <= r['top5'] <= 100 for r in rows)
    plot_invariance({'tiny': rows}, str(tmp_path / 'inv.png'))
    assert (tmp_path / 'inv.png').stat().st_size > 10_000


def test_rotation_by_90_degrees_is_exact():
    image = torch.rand(3, 6, 6)
    rotated = rotate(image, 90)
    torch.testing.assert_close(rotated, torch.rot90(image, 1, dims=(1, 2)),
                               atol=1e-5, rtol=0)
    # a non-square image keeps its geometry: the centre column becomes a row
    wide = torch.zeros(3, 5, 9)
    wide[:, :, 4] = 1
    row = rotate(wide, 90)[:, 2, 2:7]
    assert row.min() > 0.99


def test_unknown_kind_and_protocol_are_named(samples):
    with pytest.raises(ValueError, match='Unknown invariance "shear"'):
        views(torch.rand(3, 64, 64), 'shear', 1)
    with pytest.raises(ValueError, match='protocol "official"'):
        evaluate_invariance(None, samples, protocol='official')


def test_paper_scale_truncates_the_size_and_pads_around_the_centre():
    # 500 x 375 (W x H): at ratio 1.95 the shorter side is int(114.87) =
    # 114, the image 152 x 114, centred in the 224 view with zeros around
    image = torch.rand(3, 375, 500)
    view = PaperViews(image).scale(1.95)
    content = view.sum(0) > 0
    rows = content.any(1).nonzero().flatten()
    cols = content.any(0).nonzero().flatten()
    assert (rows.min().item(), rows.max().item() + 1) == (55, 169)
    assert (cols.min().item(), cols.max().item() + 1) == (36, 188)
    # and at 0.875 it is the standard view
    assert torch.equal(PaperViews(image).scale(0.875),
                       PaperViews(image).standard())
