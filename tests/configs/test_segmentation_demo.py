"""UperNet with every mixer's micro backbone trains on the demo ADE20K
shapes through the runner (loss decreases) and is evaluated with the
sliding-window test; MMSegInferencer runs a checkpoint and saves a coloured
prediction."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import Runner

from tests.conftest import REPO_ROOT, STM_FAMILIES, assert_trains

pytestmark = pytest.mark.slow

DEMO = osp.join(REPO_ROOT, 'configs/segmentation/demo',
                'upernet_convnext-micro_demo-shapes.py')


def on_fixture(cfg, data_root, work_dir, stm):
    cfg.model.backbone.update(arch=f'{stm}-micro', init_cfg=None)
    for loader in (cfg.train_dataloader, cfg.test_dataloader):
        loader.update(num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data_root
    cfg.train_dataloader.batch_size = 4
    cfg.train_cfg.update(max_iters=12, val_interval=100)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1,
                                by_epoch=False, begin=0, end=3)]
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.update(checkpoint=None, logger=dict(interval=1))
    cfg.work_dir = str(work_dir)
    return cfg


def test_demo_config_tests_with_sliding_windows():
    cfg = Config.fromfile(DEMO)
    assert cfg.model.test_cfg.mode == 'slide'
    window, stride = cfg.model.test_cfg.crop_size, cfg.model.test_cfg.stride
    test_size = [t for t in cfg.test_dataloader.dataset.pipeline
                 if t.type == 'Resize'][0].scale
    # more than one window per side, overlapping
    assert all(s > w > st for s, w, st in zip(test_size, window, stride))


# Mixers of each kind train UperNet for 12 steps (the loss decreases):
# convolution, windowed attention, the selective scan; every other mixer
# takes one step and is evaluated on one image.
TRAINED_IN_FULL = ['convnext', 'swin', 'ss2d']


@pytest.mark.parametrize('stm', STM_FAMILIES)
def test_upernet_trains_and_is_evaluated_by_sliding_window(
        stm, demo_segmentation, tmp_path):
    cfg = on_fixture(Config.fromfile(DEMO), demo_segmentation, tmp_path, stm)
    if stm not in TRAINED_IN_FULL:  # one batch, one step; one test image
        cfg.train_dataloader.dataset.indices = 4
        cfg.test_dataloader.dataset.indices = 1
        cfg.train_cfg.max_iters = 1
    runner = Runner.from_cfg(cfg)
    assert_trains(runner, 12 if stm in TRAINED_IN_FULL else 1)
    metrics = runner.test()
    for key in ('mIoU', 'mAcc', 'aAcc'):
        assert 0 <= metrics[key] <= 100


def test_mmseg_inferencer_runs_a_checkpoint_and_colours_it(
        demo_segmentation, tmp_path):
    from mmseg.apis import MMSegInferencer
    cfg = on_fixture(Config.fromfile(DEMO), demo_segmentation, tmp_path,
                     'convnext')
    runner = Runner.from_cfg(cfg)
    runner.save_checkpoint(str(tmp_path), 'demo.pth', save_optimizer=False,
                           save_param_scheduler=False)
    batch = next(iter(runner.test_dataloader))
    runner.model.eval()
    with torch.no_grad():
        expected = runner.model.test_step(batch)[0].pred_sem_seg.data[0]
    image = batch['data_samples'][0].img_path

    with DefaultScope.overwrite_default_scope('mmseg'):
        inferencer = MMSegInferencer(model=cfg,
                                     weights=str(tmp_path / 'demo.pth'),
                                     device='cpu')
        result = inferencer(image, out_dir=str(tmp_path / 'out'))
    # the same labels as the model's own sliding-window test step
    np.testing.assert_array_equal(result['predictions'], expected.numpy())
    coloured = mmcv.imread(str(tmp_path / 'out/vis' / osp.basename(image)))
    original = mmcv.imread(image)
    assert coloured.shape == original.shape
    assert not np.array_equal(coloured, original)
