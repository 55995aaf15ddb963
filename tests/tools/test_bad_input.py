"""Bad input gets a clear answer: an unreadable training image (stop with
its path, or skip and count it when asked), a truncated checkpoint (named
as such by every loader), a schedule shortened below its warm-up."""
import shutil
import subprocess
import sys

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

from mmstm.checkpoint import CorruptCheckpointError

from tests.conftest import REPO_ROOT, tiny_classifier_config


def data_options(root):
    return [f'{s}_dataloader.{key}' for s in ('train', 'val') for key in (
        f'dataset.data_root={root}', f'dataset.classes={root}/classes.txt',
        'num_workers=0', 'persistent_workers=False', 'batch_size=8')]


def train(config, work_dir, *options, args=()):
    return subprocess.run(
        [sys.executable, 'tools/train.py', config, '--work-dir',
         str(work_dir), *args, '--cfg-options', *options], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=600)


@pytest.fixture
def corrupt_image_data(demo_classification, tmp_path):
    root = shutil.copytree(demo_classification, tmp_path / 'imagenet')
    image = sorted((root / 'train').rglob('*.JPEG'))[0]
    image.write_bytes(b'truncated')
    return root, image


def test_an_unreadable_training_image_stops_the_run_naming_it(
        corrupt_image_data, tmp_path):
    root, image = corrupt_image_data
    config = tiny_classifier_config(tmp_path)
    result = train(config, tmp_path / 'work', *data_options(root),
                   'train_cfg.max_epochs=3')
    assert result.returncode != 0
    assert f'failed to load image: {image}' in result.stderr


def test_an_unreadable_training_image_is_skipped_and_counted_on_request(
        corrupt_image_data, tmp_path):
    root, image = corrupt_image_data
    config = tiny_classifier_config(tmp_path)
    result = train(config, tmp_path / 'work', *data_options(root),
                   'train_cfg.max_epochs=3', 'skip_unreadable_images=True')
    assert result.returncode == 0, result.stderr[-2000:]
    (log, ) = (tmp_path / 'work').glob('*/*.log')
    assert f'skipped unreadable image {image}' in log.read_text()
    assert '1 skipped by this process' in log.read_text()


def test_a_schedule_shorter_than_its_warm_up_names_the_setting(
        demo_classification, tmp_path):
    config = tiny_classifier_config(tmp_path)
    options = data_options(demo_classification)
    result = train(config, tmp_path / 'a', *options, 'train_cfg.max_epochs=2')
    assert result.returncode != 0
    assert 'param_scheduler[1] (CosineAnnealingLR) begins at epoch 2' in \
        result.stderr
    # the suggested change works
    result = train(config, tmp_path / 'b', *options, 'train_cfg.max_epochs=2',
                   'param_scheduler.0.end=1', 'param_scheduler.1.begin=1')
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.fixture
def truncated_checkpoint(demo_classification, tmp_path):
    """A work directory whose latest checkpoint was cut short."""
    config = tiny_classifier_config(tmp_path)
    work = tmp_path / 'work'
    result = train(config, work, *data_options(demo_classification),
                   'train_cfg.max_epochs=3',
                   'default_hooks.checkpoint.interval=1')
    assert result.returncode == 0, result.stderr[-2000:]
    checkpoint = work / 'epoch_3.pth'
    checkpoint.write_bytes(checkpoint.read_bytes()[:5000])
    return config, work, checkpoint


def test_a_truncated_checkpoint_is_named_by_every_loader(
        truncated_checkpoint, demo_classification, tmp_path):
    config, work, checkpoint = truncated_checkpoint
    message = f'{checkpoint} is truncated or corrupt (5000 bytes)'
    with pytest.raises(CorruptCheckpointError, match='truncated or corrupt'):
        _load_checkpoint(str(checkpoint))  # load_from, init_cfg, test.py
    tested = subprocess.run(
        [sys.executable, 'tools/test.py', config, str(checkpoint)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert tested.returncode != 0 and message in tested.stderr
    resumed = train(config, work, *data_options(demo_classification),
                    'train_cfg.max_epochs=4', args=['--resume'])
    assert resumed.returncode != 0 and message in resumed.stderr
    converted = subprocess.run(
        [sys.executable, 'tools/model_converters/official_to_mmstm.py',
         config, str(checkpoint), str(tmp_path / 'out.pth')], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=300)
    assert converted.returncode != 0 and message in converted.stderr


def test_checkpoints_are_written_whole_or_not_at_all(tmp_path):
    import mmengine.runner.runner as mmengine_runner

    import mmstm  # noqa: F401
    save = mmengine_runner.save_checkpoint
    save({'state_dict': {'w': torch.ones(3)}}, str(tmp_path / 'ok.pth'))
    assert torch.load(tmp_path / 'ok.pth')['state_dict']['w'].sum() == 3
    with pytest.raises(Exception):
        save({'unpicklable': lambda: None}, str(tmp_path / 'bad.pth'))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ok.pth']
