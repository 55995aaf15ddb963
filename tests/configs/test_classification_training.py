"""Every ImageNet-1K config trains on the CPU: its real model, pipeline,
optimiser, schedule and hooks, on two small demo images."""
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from tests.conftest import IN1K_CONFIGS, on_demo_images

pytestmark = pytest.mark.slow


@pytest.mark.parametrize('config', IN1K_CONFIGS,
                         ids=lambda c: osp.basename(c)[:-3])
def test_trains_on_the_cpu(config, demo_classification, tmp_path):
    cfg = on_demo_images(Config.fromfile(config), demo_classification,
                         tmp_path)
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 2
    loss = runner.message_hub.get_scalar('train/loss').current()
    # label-smoothed mixed targets over 1000 classes: about ln(1000)
    assert math.isfinite(loss) and 3 < loss < 12
