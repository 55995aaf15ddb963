"""The path of a released checkpoint: convert it, evaluate it with
tools/test.py on a labelled image folder, predict with mmpretrain's
inferencer -- the same function as the official model."""
import glob
import os.path as osp
import pickle
import subprocess
import sys

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from mmstm.checkpoint import read_checkpoint

from tests.conftest import (RELEASED_FAMILIES, REPO_ROOT, data_file,
                            reference_arch)
from tests.numerics import REORDERED_KERNELS, assert_relatively_close

pytestmark = pytest.mark.slow


def reference_config(stm, ref, images_dir, ann_file):
    """The micro ImageNet config of ``stm`` with the reference model's arch
    and classes, testing on ``images_dir``."""
    config, = glob.glob(osp.join(REPO_ROOT, 'configs/classification', stm,
                                 f'{stm}-micro_*_in1k.py'))
    cfg = Config.fromfile(config)
    arch = reference_arch(stm, ref['arch'])
    cfg.model.backbone.arch = arch
    cfg.model.head.num_classes = ref['arch']['num_classes']
    cfg.data_preprocessor.num_classes = ref['arch']['num_classes']
    dataset = cfg.test_dataloader.dataset
    cfg.test_dataloader.dataset = dict(
        type='CustomDataset', data_prefix=images_dir, ann_file=ann_file,
        pipeline=dataset.pipeline)
    cfg.test_dataloader.update(batch_size=4, num_workers=0,
                               persistent_workers=False)
    cfg.test_evaluator = dict(type='Accuracy', topk=(1, ))
    return cfg


def run(*args):
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize('stm', RELEASED_FAMILIES)
def test_converted_checkpoint_through_tools_and_inferencer(stm, tmp_path):
    from mmpretrain.apis import ImageClassificationInferencer
    ref_file = data_file(f'reference/official_small_{stm}.pth')
    ref = read_checkpoint(ref_file)
    images = data_file('imagenet-val-mini/val')
    num_classes = ref['arch']['num_classes']
    with open(data_file('imagenet-val-mini/val.txt')) as f:
        files = [line.split()[0] for line in f if line.strip()]
    ann_file = tmp_path / 'val.txt'  # the reference model has 10 classes
    ann_file.write_text(''.join(f'{name} {i % num_classes}\n'
                                for i, name in enumerate(files)))
    config = tmp_path / f'{stm}-reference.py'
    reference_config(stm, ref, images, str(ann_file)).dump(str(config))

    released = tmp_path / 'released.pth'
    torch.save({'model': ref['state_dict']}, released)
    converted = tmp_path / 'converted.pth'
    run('tools/model_converters/official_to_mmstm.py', str(config),
        str(released), str(converted))
    run('tools/test.py', str(config), str(converted), '--out',
        str(tmp_path / 'preds.pkl'), '--work-dir', str(tmp_path / 'work'))
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        dumped = {osp.basename(p['img_path']): p['pred_score']
                  for p in pickle.load(f)}
    assert sorted(dumped) == sorted(files)

    # (mmpretrain's inferencer builds its pipeline in the current default
    # scope, which other tests in this process may have set to mmdet)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        inferencer = ImageClassificationInferencer(
            model=str(config), pretrained=str(converted), device='cpu')
        # the converted model is the official function ...
        with torch.no_grad():
            logits = inferencer.model(ref['input'], mode='tensor')
        assert_relatively_close(logits, ref['logits'], REORDERED_KERNELS,
                                'logits')
        # ... and tools/test.py and the inferencer run it on the real images
        # (one of them grayscale) with the same preprocessing
        results = inferencer([osp.join(images, name) for name in files])
    for name, result in zip(files, results):
        # probabilities: an absolute bound on a known scale
        torch.testing.assert_close(torch.as_tensor(result['pred_scores']),
                                   dumped[name], atol=1e-5, rtol=0)
        assert result['pred_label'] == int(dumped[name].argmax())
