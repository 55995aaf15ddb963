"""The ablation path from each original design to its unified model: exact
parameter counts, one switch per step, the last step is the released
network, and every step trains on the CPU."""
import glob
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmstm.apis import resolve_model

from tests.conftest import (RELEASED_FAMILIES, REPO_ROOT, build_classifier,
                            on_demo_images)

ABLATION = osp.join(REPO_ROOT, 'configs/classification/ablation')
STEP_CONFIGS = sorted(glob.glob(osp.join(ABLATION, '*/*_in1k.py')))
# the published originals (Swin paper, ConvNeXt paper)
ORIGINAL_PARAMS = {'swin': 28_288_354, 'convnext': 28_589_128}


def name(config):
    return osp.basename(config)[:-3]


def steps(family):
    return sorted(glob.glob(osp.join(ABLATION, family, '*_in1k.py')))


def num_params(config):
    model = build_classifier(Config.fromfile(config))
    return sum(p.numel() for p in model.parameters())


def test_every_mixer_has_a_path_of_five_steps():
    for family in RELEASED_FAMILIES:  # the paper's mixers
        numbers = [name(c).split('_')[1].split('-')[0] for c in steps(family)]
        assert numbers == ['0', '1', '2', '3', '4'], family


@pytest.mark.parametrize('family', sorted(ORIGINAL_PARAMS))
def test_original_designs_have_the_published_size(family):
    assert num_params(steps(family)[0]) == ORIGINAL_PARAMS[family]


def test_swin_original_with_layer_scale_is_the_papers_code_count():
    cfg = Config.fromfile(steps('swin')[0])
    cfg.model.backbone.layer_scale_init_value = 1e-6
    model = build_classifier(cfg)
    assert sum(p.numel() for p in model.parameters()) == 28_297_186


@pytest.mark.parametrize('family', RELEASED_FAMILIES)
def test_each_step_inherits_the_previous_and_the_last_is_released(family):
    path = steps(family)
    for previous, config in zip(path, path[1:]):
        with open(config) as f:
            assert f"_base_ = './{osp.basename(previous)}'" in f.read()
    last = build_classifier(Config.fromfile(path[-1])).state_dict()
    released = build_classifier(Config.fromfile(
        resolve_model(f'u-{family}-tiny_3rdparty_in1k')[0])).state_dict()
    assert {k: v.shape for k, v in last.items()} == \
        {k: v.shape for k, v in released.items()}


@pytest.mark.slow
@pytest.mark.parametrize('config', STEP_CONFIGS, ids=name)
def test_step_trains_on_the_cpu(config, demo_classification, tmp_path):
    cfg = on_demo_images(Config.fromfile(config), demo_classification,
                         tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2  # one warm-up iteration, one cosine
    assert math.isfinite(runner.message_hub.get_scalar('train/loss').current())
