"""Effective receptive field: exact supports of known operators and growth
through the backbone's stages."""
import numpy as np
import pytest
import torch
from torch import nn

from mmstm.analysis.classifier import load_classifier
from mmstm.analysis.complexity import count_flops
from mmstm.analysis.erf import (accumulate_erf, area_ratios, erf_view,
                                high_contribution_area)
from mmstm.analysis.images import load_rgb
from mmstm.analysis.plots import plot_erf

from tests.conftest import STM_FAMILIES, data_file, tiny_classifier_config


def positive_conv(kernel_size):
    conv = nn.Conv2d(3, 4, kernel_size, padding=kernel_size // 2)
    nn.init.constant_(conv.weight, 0.1)
    nn.init.constant_(conv.bias, 0.1)
    return conv


def support(erf_map):
    rows, cols = np.nonzero(erf_map)
    return (rows.min(), rows.max()), (cols.min(), cols.max())


def test_a_single_3x3_conv_has_a_3x3_field():
    conv = positive_conv(3)
    images = [torch.rand(3, 32, 32) for _ in range(2)]
    erf_map, = accumulate_erf(lambda x: [conv(x)], images)
    assert support(erf_map) == ((15, 17), (15, 17))
    assert high_contribution_area(erf_map, 0.99) == (3, 9 / 32**2)


def test_two_stacked_3x3_convs_have_a_5x5_field():
    first, second = positive_conv(3), nn.Conv2d(4, 2, 3, padding=1)
    nn.init.constant_(second.weight, 0.1)
    erf_map, = accumulate_erf(lambda x: [second(first(x))],
                              [torch.rand(3, 33, 33)])
    assert support(erf_map) == ((14, 18), (14, 18))


def test_area_of_a_uniform_map_grows_with_the_threshold():
    uniform = np.ones((21, 21))
    sides = [high_contribution_area(uniform, t)[0] for t in (0.2, 0.5, 0.99)]
    assert sides == sorted(sides) and sides[-1] == 21
    # a point mass: everything in the centre pixel
    point = np.zeros((21, 21))
    point[10, 10] = 5
    assert high_contribution_area(point, 0.99) == (1, 1 / 441)


def test_fields_grow_through_the_stages_of_a_backbone(tmp_path):
    torch.manual_seed(0)
    classifier = load_classifier(tiny_classifier_config(tmp_path))
    image = erf_view(load_rgb(data_file(
        'imagenet-val-mini/val/ILSVRC2012_val_00000118.JPEG')), 224)
    maps = accumulate_erf(classifier.stage_outputs, [image])
    assert maps.shape == (4, 224, 224)
    extents = [np.count_nonzero(m) for m in maps]
    assert extents == sorted(extents) and extents[0] < extents[-1]
    ratios = area_ratios(maps)
    assert set(ratios) == {'stage1', 'stage2', 'stage3', 'stage4'}
    for stage in ratios.values():
        areas = [stage[t]['area_ratio'] for t in ('0.2', '0.3', '0.5', '0.99')]
        assert areas == sorted(areas) and 0 < areas[-1] <= 1
    plot_erf(maps, str(tmp_path / 'erf.png'), 'tiny')
    assert (tmp_path / 'erf.png').stat().st_size > 10_000


@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_mixer_gives_four_fields_and_its_flops(tmp_path, family):
    classifier = load_classifier(tiny_classifier_config(tmp_path, family))
    image = erf_view(load_rgb(data_file(
        'imagenet-val-mini/val/ILSVRC2012_val_00000118.JPEG')), 224)
    maps = accumulate_erf(classifier.stage_outputs, [image])
    assert maps.shape == (4, 224, 224) and all(m.any() for m in maps)
    assert count_flops(classifier, (1, 3, 224, 224)) > 0


def test_stages_without_their_own_norm_still_give_four_fields(tmp_path):
    # the original Swin design normalises only its returned (last) stage
    from mmengine.config import Config
    config = tiny_classifier_config(tmp_path)
    cfg = Config.fromfile(config)
    cfg.model.backbone.stage_norm = 'outputs'
    cfg.dump(config)
    classifier = load_classifier(config)
    maps = accumulate_erf(classifier.stage_outputs, [torch.rand(3, 64, 64)])
    assert maps.shape == (4, 64, 64) and all(m.any() for m in maps)
    assert classifier.model.backbone.out_indices == (3, )


def test_no_images_is_an_error():
    with pytest.raises(ValueError, match='no images'):
        accumulate_erf(lambda x: [x], [])
