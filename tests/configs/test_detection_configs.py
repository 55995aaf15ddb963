"""The 40 Mask R-CNN configs: the paper's schedules, and every backbone
trains inside Mask R-CNN at a padded COCO-like size."""
import glob
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope

from mmstm.models.backbones import ARCHS
from mmstm.models.backbones.archs import split_arch_name

from tests.conftest import (DOWNSTREAM_DROP_PATH, RELEASED_ARCHS, REPO_ROOT,
                            imagenet_weights)

DETECTION_CONFIGS = sorted(glob.glob(
    osp.join(REPO_ROOT, 'configs/detection/[!_]*/mask-rcnn_*_coco.py')))



def name(config):
    return osp.basename(config)[:-3]


def test_two_schedules_per_released_backbone():
    for schedule in ('1x', 'ms-3x'):
        archs = [name(c).split('_')[1] for c in DETECTION_CONFIGS
                 if name(c).endswith(f'_fpn_{schedule}_coco')]
        assert sorted(archs) == sorted(ARCHS)


@pytest.mark.parametrize('config', DETECTION_CONFIGS, ids=name)
def test_config_matches_its_backbone_and_schedule(config):
    cfg = Config.fromfile(config)
    backbone = cfg.model.backbone
    arch = name(config).split('_')[1]
    assert backbone.arch == arch
    assert backbone.type == 'mmstm.UnifiedBackbone'
    assert backbone.drop_path_rate == \
        DOWNSTREAM_DROP_PATH[split_arch_name(arch)[1]]
    assert backbone.out_indices == (0, 1, 2, 3)
    assert backbone.downstream is True  # the paper's detection backbone
    assert backbone.init_cfg.type == 'Pretrained'
    if arch in RELEASED_ARCHS:
        assert backbone.init_cfg == dict(
            type='Pretrained', checkpoint=imagenet_weights(arch),
            prefix='backbone.')
    assert cfg.model.type == 'mmstm.UnifiedMaskRCNN'
    assert cfg.model.neck.in_channels is None  # from the arch
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == \
        ('AdamW', 1e-4, 0.05)
    warmup, steps = cfg.param_scheduler
    assert (warmup.start_factor, warmup.end, warmup.by_epoch) == \
        (0.001, 1000, False)
    assert cfg.train_dataloader.batch_size == 2
    resize = cfg.train_dataloader.dataset.pipeline[2]
    if config.endswith('_1x_coco.py'):
        assert cfg.train_cfg.max_epochs == 12 and steps.milestones == [8, 11]
        assert resize.type == 'Resize' and resize.scale == (1333, 800)
    else:
        assert cfg.train_cfg.max_epochs == 36
        assert steps.milestones == [27, 33]
        shorter = [s[1] for s in resize.scales]
        assert (min(shorter), max(shorter)) == (480, 800)


def fake_batch(height, width, num_objects=2, num_classes=80, seed=0):
    """One image with ``num_objects`` boxes and masks, as mmdet's data
    pipeline packs them."""
    from mmdet.structures import DetDataSample
    from mmdet.structures.mask import BitmapMasks
    from mmengine.structures import InstanceData
    rng = np.random.default_rng(seed)
    masks = np.zeros((num_objects, height, width), dtype=np.uint8)
    boxes = []
    for i in range(num_objects):
        x0, y0 = rng.integers(0, width // 2), rng.integers(0, height // 2)
        x1, y1 = x0 + width // 3, y0 + height // 3
        masks[i, y0:y1, x0:x1] = 1
        boxes.append([x0, y0, x1, y1])
    sample = DetDataSample(metainfo=dict(
        img_shape=(height, width), ori_shape=(height, width),
        pad_shape=(height, width), batch_input_shape=(height, width),
        scale_factor=(1.0, 1.0)))
    sample.gt_instances = InstanceData(
        bboxes=torch.tensor(boxes, dtype=torch.float32),
        labels=torch.tensor(rng.integers(0, num_classes, num_objects)),
        masks=BitmapMasks(masks, height, width))
    return torch.randn(1, 3, height, width), [sample]


@pytest.mark.parametrize(
    'config', [c for c in DETECTION_CONFIGS if c.endswith('_1x_coco.py')],
    ids=name)
@pytest.mark.slow
def test_backbone_trains_in_mask_rcnn_at_a_padded_size(config):
    from mmdet.registry import MODELS
    init_default_scope('mmdet')
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    # padded to 32, but stage maps (40x48 ... 5x6) that are no multiples
    # of Swin's windows, Halo's blocks or PVT's reduction ratios
    inputs, samples = fake_batch(160, 192)
    losses = model.loss(inputs, samples)
    total = sum(v for k, v in losses.items() if 'loss' in k and
                isinstance(v, torch.Tensor)) + sum(
        sum(v) for k, v in losses.items() if 'loss' in k and
        isinstance(v, list))
    assert torch.isfinite(total)
    total.backward()
    stem = model.backbone.stem.conv_norm1.conv.weight
    assert stem.grad is not None and stem.grad.abs().sum() > 0
