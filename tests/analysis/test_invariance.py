"""Invariance views and scores: the identity strengths reproduce the
standard view exactly."""
import pytest
import torch

from mmstm.analysis.classifier import load_classifier
from mmstm.analysis.images import (crop_at, list_images, load_samples,
                                   resize_shorter, standard_view)
from mmstm.analysis.invariance import evaluate_invariance, rotate, views
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


def test_scores_at_identity_strengths_are_consistent(samples, tmp_path):
    classifier = load_classifier(tiny_classifier_config(tmp_path))
    rows = evaluate_invariance(
        classifier, samples,
        strengths=dict(translation=[0, 16], rotation_before_crop=[0, 45],
                       rotation_after_crop=[0], scale=[0.875, 1.5]))
    by_key = {(r['kind'], r['strength']): r for r in rows}
    for key in (('translation', 0), ('rotation_before_crop', 0),
                ('rotation_after_crop', 0), ('scale', 0.875)):
        assert by_key[key]['consistency'] == 100.0
    assert by_key[('translation', 16)]['num_views'] == 8 * len(samples)
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


def test_unknown_kind_is_named():
    with pytest.raises(ValueError, match='Unknown invariance "shear"'):
        views(torch.rand(3, 64, 64), 'shear', 1)
