"""A training run killed with SIGKILL after a checkpoint and resumed with
``tools/train.py --resume`` ends bit-identical to an uninterrupted run, with
the configs' own dataloader settings (2 persistent workers, random
augmentation), for an epoch-based classifier (ImageNet pipeline, Mixup /
CutMix, EMA, validation between checkpoints) and the iteration-based
segmentation demo."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch
from mmengine.config import Config

from mmstm.checkpoint import read_checkpoint

from tests.conftest import REPO_ROOT, tiny_arch

pytestmark = pytest.mark.slow

PAPER_DEMO = osp.join(REPO_ROOT, 'configs/classification/demo',
                      'convnext-micro_1xb64_paper-recipe_demo-shapes.py')
SEGMENTATION_DEMO = osp.join(REPO_ROOT, 'configs/segmentation/demo',
                             'upernet_convnext-micro_demo-shapes.py')


def classification_config(tmp_path, data_root):
    cfg = Config.fromfile(PAPER_DEMO)
    imagenet = Config.fromfile(osp.join(
        REPO_ROOT, 'configs/classification/_base_/datasets',
        'imagenet_bs128_paper.py'))
    pipeline = imagenet.train_pipeline
    pipeline[1].scale = 32  # RandomResizedCrop
    arch = tiny_arch('swin')
    cfg.model.backbone.update(arch=arch, drop_path_rate=0.1)
    cfg.model.train_cfg.augments = [dict(type='Mixup', alpha=0.8),
                                    dict(type='CutMix', alpha=1.0)]
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.batch_size = 4
        assert loader.num_workers == 2 and loader.persistent_workers
        loader.dataset.update(data_root=data_root,
                              classes=f'{data_root}/classes.txt')
    cfg.train_dataloader.dataset.pipeline = pipeline
    cfg.train_cfg.update(max_epochs=3, val_interval=1)
    cfg.default_hooks.checkpoint = dict(type='mmstm.SafeCheckpointHook',
                                        interval=1)
    path = str(tmp_path / 'classifier.py')
    cfg.dump(path)
    return path


def segmentation_config(tmp_path, data_root):
    cfg = Config.fromfile(SEGMENTATION_DEMO)
    arch = tiny_arch('halo')
    cfg.model.backbone.update(arch=arch, init_cfg=None)
    cfg.model.decode_head.channels = 16
    cfg.model.auxiliary_head.channels = 8
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        assert loader.num_workers == 2
        loader.update(persistent_workers=True)
        loader.dataset.data_root = data_root
    cfg.train_dataloader.batch_size = 2
    cfg.train_cfg.update(max_iters=8, val_interval=4)
    cfg.param_scheduler = [dict(type='LinearLR', start_factor=0.1,
                                by_epoch=False, begin=0, end=3)]
    cfg.default_hooks.checkpoint = dict(type='mmstm.SafeCheckpointHook',
                                        by_epoch=False, interval=2)
    path = str(tmp_path / 'segmenter.py')
    cfg.dump(path)
    return path


def train(config, work_dir, *args, kill_after=None):
    """Run tools/train.py; with ``kill_after``, SIGKILL it (and its workers)
    as soon as that checkpoint is the work directory's latest."""
    process = subprocess.Popen(
        [sys.executable, 'tools/train.py', config, '--work-dir',
         str(work_dir), *args], cwd=REPO_ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    latest = osp.join(work_dir, 'last_checkpoint')
    deadline = time.time() + 600
    while kill_after and process.poll() is None and time.time() < deadline:
        if osp.exists(latest) and open(latest).read().endswith(kill_after):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
        time.sleep(0.02)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stderr[-3000:]
    return stderr


def assert_same_run(work_a, work_b, checkpoint):
    a = read_checkpoint(osp.join(work_a, checkpoint))
    b = read_checkpoint(osp.join(work_b, checkpoint))
    for part in ('state_dict', 'ema_state_dict'):
        if part not in a:
            continue
        assert a[part].keys() == b[part].keys()
        for key in a[part]:
            assert torch.equal(a[part][key], b[part][key]), (part, key)
    for index, state in a['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(
                b['optimizer']['state'][index][name])), (index, name)


def kill_and_resume(config, tmp_path, kill_after, final):
    uninterrupted, interrupted = tmp_path / 'a', tmp_path / 'b'
    train(config, uninterrupted)
    train(config, interrupted, kill_after=kill_after)
    assert not (interrupted / final).exists()
    train(config, interrupted, '--resume')
    assert_same_run(uninterrupted, interrupted, final)


def test_classifier_resumes_bit_exactly_after_sigkill(demo_classification,
                                                      tmp_path):
    config = classification_config(tmp_path, demo_classification)
    kill_and_resume(config, tmp_path, 'epoch_2.pth', 'epoch_3.pth')


def test_segmenter_resumes_bit_exactly_after_sigkill(demo_segmentation,
                                                     tmp_path):
    config = segmentation_config(tmp_path, demo_segmentation)
    kill_and_resume(config, tmp_path, 'iter_4.pth', 'iter_8.pth')
