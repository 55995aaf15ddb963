"""The 20 ImageNet-1K configs build the released models with the paper's
recipe."""
import json
import os.path as osp
import re

import pytest
from mmengine.config import Config

from mmstm.models.backbones import ARCHS
from mmstm.models.backbones.archs import split_arch_name

from tests.conftest import (IN1K_CONFIGS, PAPER_TRAINING, RELEASED_ARCHS,
                            build_classifier, data_file)

CONVOLUTION = {f for f, facts in PAPER_TRAINING.items()
               if facts['recipe'] == 'convolution'}


def test_one_config_per_released_model():
    names = [osp.basename(c).split('_')[0] for c in IN1K_CONFIGS]
    assert sorted(names) == sorted(ARCHS)


@pytest.mark.parametrize('config', IN1K_CONFIGS,
                         ids=lambda c: osp.basename(c)[:-3])
def test_config_builds_the_released_model(config):
    cfg = Config.fromfile(config)
    arch = cfg.model.backbone.arch
    family, scale = split_arch_name(arch)
    assert osp.basename(config).startswith(arch + '_')
    assert osp.basename(osp.dirname(config)) == family
    assert cfg.model.backbone.drop_path_rate == \
        PAPER_TRAINING[family]['drop_path'][scale]
    if arch in RELEASED_ARCHS:
        with open(data_file('reference/official_state_dict_manifest.json')) \
                as f:
            expected = json.load(f)[arch]['params']
        model = build_classifier(cfg)
        assert sum(p.numel() for p in model.parameters()) == expected


@pytest.mark.parametrize('family', sorted(PAPER_TRAINING))
def test_recipe_of_the_paper(family):
    config, = [c for c in IN1K_CONFIGS
               if osp.basename(c).startswith(f'{family}-micro_')]
    cfg = Config.fromfile(config)
    gpus, per_gpu = map(int, re.search(r'_(\d+)xb(\d+)_', config).groups())
    total = 4096 if family in CONVOLUTION else 1024
    assert gpus * per_gpu == total == cfg.auto_scale_lr.base_batch_size
    assert cfg.train_dataloader.batch_size == per_gpu
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.weight_decay,
            optimizer.eps) == ('AdamW', 4e-3 if family in CONVOLUTION
                               else 1e-3, 0.05, 1e-8)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.clip_grad.max_norm == 5.0
    warmup, cosine = cfg.param_scheduler
    start = warmup.start_factor * optimizer.lr
    assert start == pytest.approx(0 if family in CONVOLUTION else 1e-6,
                                  abs=1e-9)
    assert (warmup.end, cosine.begin) == (20, 20)
    assert warmup.convert_to_iter_based and cosine.convert_to_iter_based
    assert cosine.eta_min == (1e-6 if family in CONVOLUTION else 1e-5)
    assert cfg.train_cfg.max_epochs == 300
    assert [a.type for a in cfg.model.train_cfg.augments] == ['Mixup',
                                                              'CutMix']
    assert cfg.model.head.loss.label_smooth_val == 0.1
    ema, = [h for h in cfg.custom_hooks if h.type == 'mmstm.EMAHook']
    assert ema.momentum == 1e-4 and ema.evaluate_on_origin
    assert ema.update_buffers  # timm's ModelEma averages BN statistics too
    # the paper's main.py: best raw and best EMA epochs kept, the head's BN
    # synchronised when distributed, the last incomplete batch dropped
    assert cfg.default_hooks.checkpoint.save_best == [
        'accuracy/top1', 'accuracy/top1_origin']
    assert cfg.sync_bn == 'torch'
    assert cfg.train_dataloader.drop_last
    assert cfg.model.backbone.layer_scale_init_value == 1e-6
    test_ops = [t.type for t in cfg.test_dataloader.dataset.pipeline]
    assert test_ops == ['LoadImageFromFile', 'ResizeEdge', 'CenterCrop',
                        'PackInputs']
