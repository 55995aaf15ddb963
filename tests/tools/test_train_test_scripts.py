"""tools/train.py and tools/test.py end to end on the demo classification
set, as a user runs them (separate processes, real runner)."""
import ast
import json
import math
import os
import os.path as osp
import re
import subprocess
import sys

import pytest

from tests.conftest import CLASSIFICATION_DEMO, REPO_ROOT, TINY_ARCH

pytestmark = pytest.mark.slow


def run(*args, env=None):
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, \
        result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def tiny_demo_config(tmp_path, data_root, rest):
    """``tiny_demo.py`` in ``tmp_path``: the demo classification config
    with ``TINY_ARCH``, training on ``data_root`` in batches of 8, then
    ``rest``."""
    config = tmp_path / 'tiny_demo.py'
    config.write_text(f"""
_base_ = [{CLASSIFICATION_DEMO!r}]
data_root = {data_root + '/'!r}
model = dict(backbone=dict(arch=dict(_delete_=True, **{TINY_ARCH!r})))
train_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root,
                                     classes=data_root + 'classes.txt'))
""" + rest)
    return config


def test_train_then_test(demo_classification, tmp_path, loopback):
    config = tiny_demo_config(tmp_path, demo_classification, """
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(data_root=data_root,
                                   classes=data_root + 'classes.txt'))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=4, val_interval=2)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, save_best=None))
""")
    work_dir = tmp_path / 'work'
    run('tools/train.py', str(config), '--work-dir', str(work_dir))
    assert (work_dir / 'epoch_4.pth').exists()
    assert (work_dir / 'tiny_demo.py').exists()  # the config dump
    logs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    records = [json.loads(line) for line in logs[-1].read_text().splitlines()]
    losses = [r['loss'] for r in records if 'loss' in r]
    assert len(losses) == 12
    assert sum(losses[-3:]) < sum(losses[:3])
    assert any('accuracy/top1' in r for r in records)

    checkpoint = (work_dir / 'last_checkpoint').read_text().strip()
    out = run('tools/test.py', str(config), checkpoint, '--work-dir',
              str(tmp_path / 'test'), '--out', str(tmp_path / 'preds.pkl'))
    metrics = ast.literal_eval(out.strip().splitlines()[-1])
    assert 0 <= metrics['accuracy/top1'] <= 100
    assert osp.getsize(tmp_path / 'preds.pkl') > 0

    # from a URL, drawing every prediction; then with flip test-time
    # augmentation
    url = loopback.put(checkpoint, 'tiny_demo_epoch_4.pth')
    env = dict(os.environ, TORCH_HOME=str(tmp_path / 'hub'))
    show_dir = tmp_path / 'show'
    out = run('tools/test.py', str(config), url, '--work-dir',
              str(tmp_path / 'test_url'), '--show-dir', str(show_dir),
              env=env)
    assert ast.literal_eval(out.strip().splitlines()[-1]) == metrics
    assert len(list(show_dir.glob('*.png'))) == 12  # the demo val images
    out = run('tools/test.py', str(config), url, '--work-dir',
              str(tmp_path / 'test_tta'), '--tta', env=env)
    tta_metrics = ast.literal_eval(out.strip().splitlines()[-1])
    assert 0 <= tta_metrics['accuracy/top1'] <= 100
    assert loopback.requests['/tiny_demo_epoch_4.pth'] == 1

    # the checkpoint of the tiny model under the micro model's config: an
    # error, not an evaluation of half-loaded weights
    result = subprocess.run(
        [sys.executable, 'tools/test.py', CLASSIFICATION_DEMO, checkpoint,
         '--work-dir', str(tmp_path / 'mismatch')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'does not match the model of this config' in result.stderr


def test_train_rejects_a_wrong_config_key(tmp_path):
    result = subprocess.run(
        [sys.executable, 'tools/train.py', CLASSIFICATION_DEMO, '--work-dir',
         str(tmp_path), '--cfg-options', 'model.backbone.archh=convnext-tiny'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'archh' in result.stderr


def test_train_in_bfloat16_compiled_per_block(demo_classification, tmp_path):
    config = tiny_demo_config(tmp_path, demo_classification, """
train_cfg = dict(max_epochs=3)
default_hooks = dict(logger=dict(interval=1), checkpoint=None)
""")
    work_dir = tmp_path / 'work'
    out = run('tools/train.py', str(config), '--work-dir', str(work_dir),
              '--no-validate', '--amp', 'bfloat16', '--compile', 'regional',
              '--cfg-options', 'compile.backend=aot_eager')
    log = next(work_dir.glob('*/*.log')).read_text()
    assert 'bfloat16 AMP runs on the CPU' in out  # before the runner's log
    assert "compiled the model's backbone's 5 blocks" in log
    assert re.search(r'first training step: [\d.]+ s', log)
    dumped = (work_dir / 'tiny_demo.py').read_text()
    assert "type='mmstm.AutocastOptimWrapper'" in dumped
    assert 'regional=True' in dumped
    records = [json.loads(line) for line in next(
        work_dir.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    assert all(math.isfinite(r['loss']) for r in records if 'loss' in r)
