"""tools/dist_train.sh and tools/dist_test.sh with 2 processes on a machine
without CUDA (gloo), and tools/slurm_train.sh with a recording srun."""
import glob
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config

from mmstm.checkpoint import read_checkpoint

from tests.conftest import REPO_ROOT, tiny_arch

pytestmark = pytest.mark.slow

PAPER_DEMO = osp.join(REPO_ROOT, 'configs/classification/demo',
                      'convnext-micro_1xb64_paper-recipe_demo-shapes.py')
# the test hook lives in tests/ (dist_train.sh adds the repository itself)
ENV = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS='1',
           PYTHONPATH=REPO_ROOT)


def write_config(path, data_root, batch_size, max_epochs, drop_path=0.0,
                 init_url=None):
    """The paper-recipe demo on a tiny arch, with nothing that depends on
    the split of a batch over processes (by default no drop path; no Mixup,
    the neck's norm per sample instead of BatchNorm) and a constant
    learning rate; ``init_url``: backbone weights to start from."""
    cfg = Config.fromfile(PAPER_DEMO)
    arch = tiny_arch('convnext')
    cfg.model.backbone.update(arch=arch, drop_path_rate=drop_path)
    if init_url:
        cfg.model.backbone.init_cfg = dict(type='Pretrained',
                                           checkpoint=init_url)
    cfg.model.neck.norm_cfg = dict(type='GN', num_groups=1)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.update(batch_size=batch_size, num_workers=0,
                      persistent_workers=False)
        loader.dataset.update(data_root=data_root,
                              classes=f'{data_root}/classes.txt')
    cfg.param_scheduler = []
    cfg.train_cfg.update(max_epochs=max_epochs, val_interval=max_epochs)
    cfg.default_hooks.checkpoint = dict(type='mmstm.SafeCheckpointHook',
                                        interval=1)
    cfg.custom_imports.imports.append('tests.tools.rank_weights_hook')
    cfg.custom_hooks.append(dict(type='SaveRankWeights'))
    cfg.dump(str(path))
    return str(path)


def run(*command, port=None):
    """Run ``command`` in the repository; ``port``: torchrun's master port
    (one per launch, so launches never wait on each other's)."""
    env = dict(ENV, PORT=str(port)) if port else ENV
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, text=True,
                            capture_output=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def dist_train(config, work_dir, port, *args):
    return run('bash', 'tools/dist_train.sh', config, '2', '--work-dir',
               str(work_dir), *args, port=port)


def weights(work_dir, name):
    return torch.load(osp.join(work_dir, name), weights_only=True)


@pytest.fixture(scope='module')
def backbone_url(loopback, tmp_path_factory):
    """Backbone weights of the tiny arch, served over HTTP."""
    from mmstm.models.backbones import UnifiedBackbone
    path = tmp_path_factory.mktemp('init') / 'tiny_backbone.pth'
    torch.manual_seed(0)
    torch.save(UnifiedBackbone(tiny_arch('convnext')).state_dict(), path)
    return loopback.put(str(path), 'tiny_backbone.pth')


@pytest.fixture(scope='module')
def two_process_run(demo_classification, tmp_path_factory, backbone_url):
    """3 epochs over 2 processes of batch 4, uninterrupted, starting from
    backbone weights at a URL."""
    root = tmp_path_factory.mktemp('dist')
    ENV['TORCH_HOME'] = str(root / 'torch')  # the launches' hub cache
    config = write_config(root / 'dist.py', demo_classification, 4, 3,
                          init_url=backbone_url)
    dist_train(config, root / 'run', 29611)
    return root, config


def test_rank_0_downloads_the_weights_the_others_wait(two_process_run,
                                                      loopback):
    root, _ = two_process_run
    assert loopback.requests['/tiny_backbone.pth'] == 1
    assert osp.isfile(root / 'torch/hub/checkpoints/tiny_backbone.pth')


def test_both_processes_hold_the_same_weights(two_process_run):
    root, _ = two_process_run
    rank0 = weights(root / 'run', 'rank0_weights.pth')
    rank1 = weights(root / 'run', 'rank1_weights.pth')
    for key in rank0:
        assert torch.equal(rank0[key], rank1[key]), key


def test_only_rank_0_writes_checkpoints_and_logs(two_process_run):
    root, _ = two_process_run
    run_dir = root / 'run'
    assert sorted(osp.basename(p) for p in glob.glob(f'{run_dir}/*.pth')) \
        == ['epoch_1.pth', 'epoch_2.pth', 'epoch_3.pth', 'rank0_weights.pth',
            'rank1_weights.pth']
    logs = glob.glob(f'{run_dir}/*/*.log')
    assert len(logs) == 1
    log = open(logs[0]).read()
    assert 'Distributed training: True' in log and 'GPU number: 2' in log
    assert "type='mmstm.CPUDistributedDataParallel'" in log


def test_matches_one_process_with_the_same_total_batch(
        two_process_run, demo_classification, backbone_url):
    root, _ = two_process_run
    config = write_config(root / 'single.py', demo_classification, 8, 3,
                          init_url=backbone_url)
    run(sys.executable, 'tools/train.py', config, '--work-dir',
        str(root / 'single'))
    single = weights(root / 'single', 'rank0_weights.pth')
    dist = weights(root / 'run', 'rank0_weights.pth')
    for key in single:
        # the same samples and augmentation per step; gradients averaged
        # over processes differ from one batch's only by float rounding
        torch.testing.assert_close(dist[key], single[key], atol=1e-5,
                                   rtol=1e-4, msg=key)


def test_two_process_run_resumes_exactly(two_process_run,
                                         demo_classification):
    # drop path: each process's random stream must continue, not restart
    root, _ = two_process_run
    long_config = write_config(root / 'long.py', demo_classification, 4, 3,
                               drop_path=0.3)
    dist_train(long_config, root / 'uninterrupted', 29615)
    config = write_config(root / 'short.py', demo_classification, 4, 2,
                          drop_path=0.3)
    dist_train(config, root / 'resumed', 29612)
    dist_train(long_config, root / 'resumed', 29613, '--resume')
    expected = read_checkpoint(str(root / 'uninterrupted' / 'epoch_3.pth'))
    got = read_checkpoint(str(root / 'resumed' / 'epoch_3.pth'))
    for key, value in expected['state_dict'].items():
        assert torch.equal(value, got['state_dict'][key]), key


def test_dist_test_gives_the_single_process_metric(two_process_run):
    root, config = two_process_run
    checkpoint = str(root / 'run' / 'epoch_3.pth')
    single = run(sys.executable, 'tools/test.py', config, checkpoint,
                 '--work-dir', str(root / 'test1')).strip().splitlines()[-1]
    distributed = run('bash', 'tools/dist_test.sh', config, checkpoint, '2',
                      '--work-dir', str(root / 'test2'), port=29614)
    assert single.startswith("{'accuracy/top1'")
    assert single in distributed


def test_slurm_train_asks_srun_for_one_task_per_gpu(tmp_path):
    record = tmp_path / 'srun_args'
    srun = tmp_path / 'srun'
    srun.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    srun.chmod(srun.stat().st_mode | stat.S_IEXEC)
    env = dict(ENV, PATH=f'{tmp_path}:{os.environ["PATH"]}', GPUS='16',
               GPUS_PER_NODE='8', SRUN_ARGS='--qos=high')
    config = 'configs/detection/swin/mask-rcnn_swin-tiny_fpn_1x_coco.py'
    subprocess.run(['bash', 'tools/slurm_train.sh', 'gpu', 'swin-t', config,
                    'work_dirs/swin-t', '--auto-resume'], cwd=REPO_ROOT,
                   env=env, check=True, timeout=60)
    args = record.read_text().splitlines()
    assert args[:3] == ['-p', 'gpu', '--job-name=swin-t']
    for expected in ('--gres=gpu:8', '--ntasks=16', '--ntasks-per-node=8',
                     '--kill-on-bad-exit=1', '--qos=high'):
        assert expected in args
    command = args[args.index(sys.executable):]
    assert command == [sys.executable, '-u', 'tools/train.py', config,
                       '--work-dir', 'work_dirs/swin-t', '--launcher',
                       'slurm', '--auto-resume']
