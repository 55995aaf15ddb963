"""Bad input gets a clear answer: an unreadable training image (stop with
its path, or skip and count it when asked), an unreadable label map (stop
with its path), a truncated or damaged checkpoint (named as such by every
loader), a schedule shortened below its warm-up."""
import os.path as osp
import re
import shutil
import subprocess
import sys

import pytest
from mmengine.config import Config

from mmstm.checkpoint import CorruptCheckpointError, read_checkpoint
from mmstm.models.backbones import UnifiedBackbone

from tests.conftest import (REPO_ROOT, flip_a_byte, tiny_arch,
                            tiny_classifier_config)

SEGMENTATION_DEMO = osp.join(REPO_ROOT, 'configs/segmentation/demo',
                             'upernet_convnext-micro_demo-shapes.py')

# every test launches tools/train.py
pytestmark = pytest.mark.slow


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


@pytest.fixture(scope='module')
def trained(demo_classification, tmp_path_factory):
    """A work directory of a 3-epoch run with a checkpoint per epoch."""
    root = tmp_path_factory.mktemp('trained')
    config = tiny_classifier_config(root)
    work = root / 'work'
    result = train(config, work, *data_options(demo_classification),
                   'train_cfg.max_epochs=3',
                   'default_hooks.checkpoint.interval=1')
    assert result.returncode == 0, result.stderr[-2000:]
    return config, work


def damaged_copy(trained, tmp_path, damage):
    """A copy of the trained work directory whose latest checkpoint
    ``damage`` changed; ``(config, work dir, checkpoint)``."""
    config, work = trained
    copy = shutil.copytree(work, tmp_path / 'work')
    checkpoint = copy / 'epoch_3.pth'
    (copy / 'last_checkpoint').write_text(str(checkpoint))
    damage(checkpoint)
    return config, copy, checkpoint


def every_loader_refuses(config, work, checkpoint, demo_classification,
                         tmp_path, message):
    """read_checkpoint (init_cfg), tools/test.py, --resume, load_from and
    the converter all stop with ``message``."""
    with pytest.raises(CorruptCheckpointError) as error:
        read_checkpoint(str(checkpoint))
    assert message in str(error.value)
    backbone = UnifiedBackbone(arch=tiny_arch('convnext'), init_cfg=dict(
        type='Pretrained', checkpoint=str(checkpoint), prefix='backbone.'))
    with pytest.raises(CorruptCheckpointError, match=re.escape(message)):
        backbone.init_weights()
    tested = subprocess.run(
        [sys.executable, 'tools/test.py', config, str(checkpoint)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert tested.returncode != 0 and message in tested.stderr
    options = data_options(demo_classification) + ['train_cfg.max_epochs=4']
    resumed = train(config, work, *options, args=['--resume'])
    assert resumed.returncode != 0 and message in resumed.stderr
    loaded = train(config, tmp_path / 'again', *options,
                   f'load_from={checkpoint}')
    assert loaded.returncode != 0 and message in loaded.stderr
    converted = subprocess.run(
        [sys.executable, 'tools/model_converters/official_to_mmstm.py',
         config, str(checkpoint), str(tmp_path / 'out.pth')], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=300)
    assert converted.returncode != 0 and message in converted.stderr


def test_a_truncated_checkpoint_is_named_by_every_loader(
        trained, demo_classification, tmp_path):
    config, work, checkpoint = damaged_copy(
        trained, tmp_path,
        lambda path: path.write_bytes(path.read_bytes()[:5000]))
    every_loader_refuses(
        config, work, checkpoint, demo_classification, tmp_path,
        f'{checkpoint} is not a readable checkpoint: it is truncated at '
        '5000 bytes: it ends inside its record')


def test_a_flipped_byte_is_named_by_every_loader(trained,
                                                 demo_classification,
                                                 tmp_path):
    config, work, checkpoint = damaged_copy(trained, tmp_path, flip_a_byte)
    every_loader_refuses(config, work, checkpoint, demo_classification,
                         tmp_path, f'{checkpoint} is damaged: its contents '
                         'no longer match')


def test_a_resumed_run_checks_the_digest_and_continues(
        trained, demo_classification, tmp_path):
    config, work, _ = damaged_copy(trained, tmp_path, lambda path: None)
    resumed = train(config, work, *data_options(demo_classification),
                    'train_cfg.max_epochs=4', args=['--resume'])
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert 'carries no mmstm content digest' not in resumed.stdout + \
        resumed.stderr
    assert read_checkpoint(str(work / 'epoch_4.pth'))['meta']['epoch'] == 4


def test_a_truncated_label_map_stops_training_naming_it(demo_segmentation,
                                                        tmp_path):
    root = shutil.copytree(demo_segmentation, tmp_path / 'ade20k')
    label_maps = sorted((root / 'annotations' / 'training').glob('*.png'))
    for label_map in label_maps:  # whichever the sampler draws first
        label_map.write_bytes(label_map.read_bytes()[:60])
    config = Config.fromfile(SEGMENTATION_DEMO)
    config.model.backbone.update(arch=tiny_arch('convnext'), init_cfg=None)
    config.train_dataloader.update(num_workers=0, persistent_workers=False)
    for loader in ('train_dataloader', 'val_dataloader'):
        config[loader].dataset.data_root = str(root)
    config.dump(tmp_path / 'segmenter.py')
    result = subprocess.run(
        [sys.executable, 'tools/train.py', str(tmp_path / 'segmenter.py'),
         '--work-dir', str(tmp_path / 'work')], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    named = re.search(r'LoadAnnotations failed on .*seg_map_path (\S+):',
                      result.stderr)
    assert named and named.group(1) in map(str, label_maps), \
        result.stderr[-3000:]
    assert 'image file is truncated' in result.stderr
