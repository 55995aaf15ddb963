"""The 20 UperNet configs: the ADE20K schedule, and every backbone trains
inside UperNet at a non-square size."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.registry import init_default_scope

from mmstm.models.backbones import ARCHS
from mmstm.models.backbones.archs import split_arch_name

from tests.conftest import (DOWNSTREAM_DROP_PATH, RELEASED_ARCHS, REPO_ROOT,
                            imagenet_weights)

SEGMENTATION_CONFIGS = sorted(glob.glob(osp.join(
    REPO_ROOT, 'configs/segmentation/[!_]*/upernet_*_ade20k-512x512.py')))



def name(config):
    return osp.basename(config)[:-3]


def test_one_config_per_released_backbone():
    archs = [name(c).split('_')[1] for c in SEGMENTATION_CONFIGS]
    assert sorted(archs) == sorted(ARCHS)


@pytest.mark.parametrize('config', SEGMENTATION_CONFIGS, ids=name)
def test_config_matches_its_backbone_and_schedule(config):
    cfg = Config.fromfile(config)
    arch = name(config).split('_')[1]
    backbone = cfg.model.backbone
    assert (backbone.type, backbone.arch) == ('mmstm.UnifiedBackbone', arch)
    assert backbone.downstream is True  # the paper's only downstream backbone
    assert backbone.drop_path_rate == \
        DOWNSTREAM_DROP_PATH[split_arch_name(arch)[1]]
    if arch in RELEASED_ARCHS:
        assert backbone.init_cfg.checkpoint == imagenet_weights(arch)
    # the heads' input channels come from the arch (tests/models/
    # test_task_models.py), not from numbers in the leaves
    assert cfg.model.type == 'mmstm.UnifiedEncoderDecoder'
    assert cfg.model.decode_head.in_channels is None
    assert cfg.model.auxiliary_head.in_channels is None
    assert cfg.model.decode_head.num_classes == 150
    assert cfg.model.auxiliary_head.num_classes == 150
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay) == \
        ('AdamW', 6e-5, 0.01)
    warmup, poly = cfg.param_scheduler
    assert (warmup.end, poly.type, poly.power, poly.end) == \
        (1500, 'PolyLR', 1.0, 160000)
    assert cfg.train_cfg.max_iters == 160000
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.crop_size == (512, 512)
    assert cfg.tta_model.type == 'SegTTAModel'


@pytest.mark.slow
@pytest.mark.parametrize('config', SEGMENTATION_CONFIGS, ids=name)
def test_backbone_trains_in_upernet_at_a_non_square_size(config):
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    init_default_scope('mmseg')
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None
    model = revert_sync_batchnorm(MODELS.build(cfg.model))
    height, width = 96, 160
    samples = []
    for i in range(2):
        sample = SegDataSample(metainfo=dict(img_shape=(height, width),
                                             pad_shape=(height, width)))
        labels = torch.randint(0, 150, (1, height, width))
        sample.gt_sem_seg = PixelData(data=labels)
        samples.append(sample)
    losses = model.loss(torch.randn(2, 3, height, width), samples)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    assert torch.isfinite(total)
    total.backward()
    stem = model.backbone.stem.conv_norm1.conv.weight
    assert stem.grad is not None and stem.grad.abs().sum() > 0
