"""Mask R-CNN with every mixer's micro backbone trains on the demo COCO
shapes through the runner (loss decreases) and is evaluated with the COCO
metric (bbox and segm)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmstm.checkpoint import read_checkpoint

from tests.conftest import (REPO_ROOT, STM_FAMILIES, assert_trains, data_file,
                            reference_arch)

pytestmark = pytest.mark.slow

DEMO = osp.join(REPO_ROOT, 'configs/detection/demo',
                'mask-rcnn_convnext-micro_fpn_demo-shapes.py')


def on_fixture(cfg, data_root, work_dir, stm):
    cfg.model.backbone.update(arch=f'{stm}-micro', init_cfg=None)
    for loader, split in ((cfg.train_dataloader, 'train'),
                          (cfg.test_dataloader, 'val')):
        loader.update(num_workers=0, persistent_workers=False, batch_size=2)
        loader.dataset.update(data_root=data_root + '/',
                              ann_file=f'annotations/instances_{split}.json',
                              data_prefix=dict(img=f'{split}/'))
    cfg.test_evaluator.ann_file = \
        data_root + '/annotations/instances_val.json'
    cfg.train_cfg.update(max_epochs=4, val_interval=100)
    cfg.param_scheduler[0].end = 3
    cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    cfg.default_hooks.update(checkpoint=None, logger=dict(interval=1))
    cfg.work_dir = str(work_dir)
    return cfg


# Mixers of each kind train Mask R-CNN for 12 steps (the loss decreases):
# convolution, windowed attention, the selective scan; every other mixer
# takes one step and is evaluated on one image.
TRAINED_IN_FULL = ['convnext', 'swin', 'ss2d']


@pytest.mark.parametrize('stm', STM_FAMILIES)
def test_mask_rcnn_trains_and_is_evaluated(stm, demo_detection, tmp_path):
    cfg = on_fixture(Config.fromfile(DEMO), demo_detection, tmp_path, stm)
    if stm not in TRAINED_IN_FULL:  # one batch, one step; one test image
        cfg.train_dataloader.dataset.indices = 2
        cfg.test_dataloader.dataset.indices = 1
        cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    assert_trains(runner, 12 if stm in TRAINED_IN_FULL else 1)
    metrics = runner.test()
    for key in ('coco/bbox_mAP', 'coco/segm_mAP'):
        assert 0 <= metrics[key] <= 1


def test_det_inferencer_runs_a_checkpoint_and_draws(demo_detection,
                                                    tmp_path):
    from mmdet.apis import DetInferencer
    from mmengine.registry import DefaultScope
    cfg = on_fixture(Config.fromfile(DEMO), demo_detection, tmp_path,
                     'convnext')
    runner = Runner.from_cfg(cfg)
    checkpoint = str(tmp_path / 'demo.pth')
    runner.save_checkpoint(str(tmp_path), 'demo.pth', save_optimizer=False,
                           save_param_scheduler=False)
    batch = next(iter(runner.test_dataloader))
    runner.model.eval()
    with torch.no_grad():
        expected = runner.model.test_step(
            dict(inputs=batch['inputs'][:1],
                 data_samples=batch['data_samples'][:1]))[0].pred_instances
    image = batch['data_samples'][0].img_path

    with DefaultScope.overwrite_default_scope('mmdet'):
        inferencer = DetInferencer(model=cfg, weights=checkpoint,
                                   device='cpu')
        result = inferencer(image, out_dir=str(tmp_path / 'out'),
                            pred_score_thr=0.0, return_datasamples=True)
    predicted = result['predictions'][0].pred_instances
    assert len(expected) > 0
    np.testing.assert_allclose(predicted.scores.numpy(),
                               expected.scores.numpy(), atol=1e-5)
    np.testing.assert_allclose(predicted.bboxes.numpy(),
                               expected.bboxes.numpy(), atol=1e-3)
    assert predicted.masks.shape == expected.masks.shape

    import mmcv
    drawn = mmcv.imread(str(tmp_path / 'out/vis' / osp.basename(image)))
    original = mmcv.imread(image)
    assert drawn.shape == original.shape
    assert not np.array_equal(drawn, original)


def test_backbone_weights_from_an_official_url_train(demo_detection, tmp_path,
                                                     loopback, hub_cache):
    # the released ImageNet layout, fetched and converted at init
    ref_file = data_file('reference/official_small_convnext.pth')
    ref = read_checkpoint(ref_file)
    url = loopback.put(ref_file, 'unified_convnext_small-ref.pth')
    cfg = on_fixture(Config.fromfile(DEMO), demo_detection, tmp_path,
                     'convnext')
    cfg.model.backbone.update(
        arch=reference_arch('convnext', ref['arch']),
        init_cfg=dict(type='Pretrained', checkpoint=url, prefix='backbone.'))
    cfg.train_cfg.max_epochs = 1
    runner = Runner.from_cfg(cfg)
    runner.model.init_weights()
    stem = runner.model.backbone.stem.conv_norm1.conv.weight
    assert torch.equal(stem,
                       ref['state_dict']['downsample_layers.0.stem.0.weight'])
    runner.train()
    assert runner.iter == 3 and loopback.requests[
        '/unified_convnext_small-ref.pth'] == 1
