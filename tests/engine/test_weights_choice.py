"""Raw or EMA weights: checkpoints written as the paper's (raw weights in
``state_dict``, EMA beside them), the best epoch of each kept, and every
loader (tools/test.py, the analyses, downstream initialisation, the
converter) taking the raw weights unless asked for the EMA."""
import glob
import json
import os.path as osp
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

from mmstm.checkpoint import (WeightsChoiceError, choose_weights,
                              read_checkpoint)
from mmstm.engine import load_for_evaluation
from mmstm.models.backbones import UnifiedBackbone

from tests.conftest import REPO_ROOT, TINY_ARCH

PAPER_DEMO = osp.join(REPO_ROOT, 'configs/classification/demo',
                      'convnext-micro_1xb64_paper-recipe_demo-shapes.py')


def tensors(value):
    return {'w': torch.full((2, ), float(value))}


def test_official_files_hold_raw_model_and_maybe_model_ema():
    official = {'model': tensors(1), 'model_ema': tensors(2)}
    for weights, value in (('raw', 1), ('ema', 2)):
        chosen, description = choose_weights(official, weights)
        assert chosen['model']['w'][0] == value
        assert weights in description
    with pytest.raises(WeightsChoiceError, match='no EMA weights'):
        choose_weights({'model': tensors(1)}, 'ema')


def test_both_mmstm_layouts_are_told_apart():
    ema_module = {'module.w': torch.full((2, ), 2.), 'steps': torch.tensor(3)}
    paper = {'meta': {'state_dict_weights': 'raw'}, 'state_dict': tensors(1),
             'ema_state_dict': ema_module}
    # mmengine's EMAHook swaps the two before saving
    mmengine = {'meta': {}, 'state_dict': tensors(2),
                'ema_state_dict': {'module.w': torch.full((2, ), 1.)}}
    for checkpoint in (paper, mmengine):
        raw, _ = choose_weights(checkpoint, 'raw')
        ema, _ = choose_weights(checkpoint, 'ema')
        assert raw['state_dict']['w'][0] == 1 and ema['state_dict']['w'][0] \
            == 2
        assert set(raw['state_dict']) == {'w'} and 'meta' in raw
    plain = {'state_dict': tensors(1)}
    assert choose_weights(plain)[0]['state_dict']['w'][0] == 1
    for checkpoint in (plain, tensors(1)):
        with pytest.raises(WeightsChoiceError, match='raw weights'):
            choose_weights(checkpoint, 'ema')
    with pytest.raises(ValueError, match="one of \\('raw', 'ema'\\)"):
        choose_weights(plain, 'best')


@pytest.fixture(scope='module')
def trained(demo_classification, tmp_path_factory):
    """Two epochs of the paper-recipe demo with EMA (decay 0.5: the two sets
    of weights differ clearly), validated after each."""
    work_dir = tmp_path_factory.mktemp('ema_run')
    cfg = Config.fromfile(PAPER_DEMO)
    cfg.work_dir = str(work_dir)
    cfg.model.backbone.update(arch=TINY_ARCH)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=8, num_workers=0, persistent_workers=False)
        loader.dataset.update(data_root=demo_classification,
                              classes=f'{demo_classification}/classes.txt')
    cfg.test_dataloader = cfg.val_dataloader
    cfg.train_cfg.update(max_epochs=2, val_interval=1)
    cfg.param_scheduler[0].end = cfg.param_scheduler[1].begin = 1
    cfg.default_hooks.checkpoint.update(interval=1, max_keep_ckpts=2)
    cfg.custom_hooks[1].momentum = 0.5
    cfg.log_level = 'WARNING'
    config = str(work_dir / 'config.py')
    cfg.dump(config)
    runner = Runner.from_cfg(cfg)
    runner.train()
    ema = [h for h in runner.hooks if type(h).__name__ == 'EMAHook'][0]
    return config, work_dir, runner.model, ema.ema_model.module


def test_checkpoints_hold_raw_weights_with_the_ema_beside(trained):
    _, work_dir, model, ema_model = trained
    checkpoint = read_checkpoint(str(work_dir / 'epoch_2.pth'))
    assert checkpoint['meta']['state_dict_weights'] == 'raw'
    raw, ema = model.state_dict(), ema_model.state_dict()
    differs = [k for k in raw if not torch.equal(raw[k], ema[k])]
    assert differs  # else the test could not tell them apart
    for key in raw:
        assert torch.equal(checkpoint['state_dict'][key], raw[key]), key
        assert torch.equal(checkpoint['ema_state_dict']['module.' + key],
                           ema[key]), key


def test_the_best_epoch_of_each_is_kept(trained):
    _, work_dir, _, _ = trained
    for metric in ('top1', 'top1_origin'):
        best, = glob.glob(str(work_dir / f'best_accuracy_{metric}_epoch_*'))
        assert read_checkpoint(best)['meta']['state_dict_weights'] == 'raw'


def test_loaders_take_raw_by_default_and_ema_when_asked(trained):
    config, work_dir, model, ema_model = trained
    path = str(work_dir / 'epoch_2.pth')
    fresh = Runner.from_cfg(Config.fromfile(config)).model
    meta = load_for_evaluation(fresh, path)
    assert 'raw weights ("state_dict")' in meta['weights']
    key = 'backbone.stages.3.blocks.0.mlp.fc2.weight'
    assert torch.equal(fresh.state_dict()[key], model.state_dict()[key])
    load_for_evaluation(fresh, path, 'ema')
    assert torch.equal(fresh.state_dict()[key], ema_model.state_dict()[key])
    # downstream initialisation from the classifier's backbone
    backbone = UnifiedBackbone(arch=TINY_ARCH, init_cfg=dict(
        type='Pretrained', checkpoint=path, prefix='backbone.',
        weights='ema'))
    backbone.init_weights()
    key = 'stages.3.blocks.0.mlp.fc2.weight'
    assert torch.equal(backbone.state_dict()[key],
                       ema_model.state_dict()['backbone.' + key])


@pytest.mark.slow  # launches the tools
def test_tools_test_evaluates_the_chosen_weights(trained):
    config, work_dir, _, _ = trained
    top1 = {}
    for weights in ('raw', 'ema'):
        result = subprocess.run(
            [sys.executable, 'tools/test.py', config,
             str(work_dir / 'epoch_2.pth'), '--weights', weights,
             '--work-dir', str(work_dir / f'test_{weights}'),
             '--cfg-options', 'log_level=INFO'],
            cwd=REPO_ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr[-2000:]
        metrics = eval(result.stdout.strip().splitlines()[-1])
        # one evaluation of one set of weights (no "_origin" re-run)
        assert set(metrics) == {'accuracy/top1'}
        top1[weights] = metrics['accuracy/top1']
        log, = glob.glob(str(work_dir / f'test_{weights}/*/*.log'))
        assert f'loaded the {weights} weights' in open(log).read()
    # the last validation of training scored the same weights
    scalars, = glob.glob(str(work_dir / '*/vis_data/scalars.json'))
    last = [json.loads(line) for line in open(scalars)
            if 'accuracy/top1' in line][-1]
    assert last['accuracy/top1_origin'] == pytest.approx(top1['raw'], 1e-3)
    assert last['accuracy/top1'] == pytest.approx(top1['ema'], 1e-3)
