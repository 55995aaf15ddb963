"""Each mixer learns the demo shapes with the paper's recipe (shortened):
a few iterations of tools/train.py's runner lower the loss on the data."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from tests.conftest import REPO_ROOT, STM_FAMILIES

pytestmark = pytest.mark.slow

DEMO_CONFIGS = {
    stm: osp.join(REPO_ROOT, 'configs/classification/demo',
                  f'{stm}-micro_1xb64_paper-recipe_demo-shapes.py')
    for stm in STM_FAMILIES}


def test_one_demo_config_per_mixer():
    found = glob.glob(osp.join(REPO_ROOT, 'configs/classification/demo',
                               '*_paper-recipe_demo-shapes.py'))
    assert sorted(found) == sorted(DEMO_CONFIGS.values())


def loss_on(runner, batch):
    """Eval-mode loss of the runner's model on a fixed batch."""
    model = runner.model
    model.eval()
    with torch.no_grad():
        data = model.data_preprocessor(batch, training=False)
        loss = model(**data, mode='loss')['loss'].item()
    model.train()
    return loss


def on_fixture_images(cfg, data_root, work_dir, img_size=32):
    """``cfg`` on the test fixture's demo images at ``img_size``, six short
    epochs (one of warm-up), no validation or checkpoints; and a loader of
    the training images through the test pipeline."""
    train = cfg.train_dataloader
    train.update(num_workers=0, persistent_workers=False, batch_size=12)
    train.dataset.update(data_root=data_root + '/',
                         classes=data_root + '/classes.txt')
    for step in train.dataset.pipeline:
        if step.type == 'RandomResizedCrop':
            step.scale = img_size
    test_pipeline = [dict(type='LoadImageFromFile'),
                     dict(type='CenterCrop', crop_size=img_size),
                     dict(type='PackInputs')]
    fixed = dict(dataset=dict(train.dataset, pipeline=test_pipeline),
                 sampler=dict(type='DefaultSampler', shuffle=False),
                 batch_size=24, num_workers=0)
    cfg.train_cfg.update(max_epochs=6, val_interval=100)
    cfg.param_scheduler[0].end = cfg.param_scheduler[1].begin = 1
    cfg.default_hooks.checkpoint = None
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.test_cfg = cfg.test_dataloader = cfg.test_evaluator = None
    cfg.work_dir = str(work_dir)
    return cfg, fixed


@pytest.mark.parametrize('stm', STM_FAMILIES)
def test_a_few_iterations_lower_the_loss(stm, demo_classification,
                                         tmp_path):
    cfg, fixed = on_fixture_images(Config.fromfile(DEMO_CONFIGS[stm]),
                                   demo_classification, tmp_path)
    runner = Runner.from_cfg(cfg)
    batch = next(iter(Runner.build_dataloader(fixed)))
    before = loss_on(runner, batch)
    runner.train()
    assert runner.iter == 12
    after = loss_on(runner, batch)
    assert after < before - 0.05, (before, after)
