"""Every ImageNet-1K config trains on the CPU: its real model, pipeline,
optimiser, schedule and hooks, on two small demo images."""
import math
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.runner import Runner

from mmstm.engine import use_fp32_without_cuda

from tests.configs.test_classification_configs import IN1K_CONFIGS


def on_demo_images(cfg, data_root, work_dir, img_size=32, num_images=2):
    """``cfg`` reading ``num_images`` demo images (one batch) at
    ``img_size`` for two epochs, the first one warm-up, without validation
    or checkpoints."""
    dataset = cfg.train_dataloader.dataset
    for step in dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = img_size
    dataset.update(type='CustomDataset', data_root=data_root,
                   ann_file='meta/train.txt', data_prefix='train',
                   indices=num_images)
    dataset.pop('split')
    cfg.train_dataloader.update(batch_size=num_images, num_workers=0,
                                persistent_workers=False)
    cfg.train_cfg.max_epochs = 2
    warmup, cosine = cfg.param_scheduler
    warmup.end = cosine.begin = 1
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.default_hooks.checkpoint = None
    cfg.work_dir = str(work_dir)
    return use_fp32_without_cuda(cfg)


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
