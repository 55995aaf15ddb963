"""tools/misc/verify_dataset.py finds an unreadable image, an unusable
annotation and an unreadable label map, naming the files."""
import json
import os.path as osp
import shutil
import subprocess
import sys

from tests.conftest import CLASSIFICATION_DEMO, REPO_ROOT

DETECTION_DEMO = osp.join(REPO_ROOT, 'configs/detection/demo',
                          'mask-rcnn_convnext-micro_fpn_demo-shapes.py')
SEGMENTATION_DEMO = osp.join(REPO_ROOT, 'configs/segmentation/demo',
                             'upernet_convnext-micro_demo-shapes.py')


def verify(config, *options):
    return subprocess.run(
        [sys.executable, 'tools/misc/verify_dataset.py', config,
         '--cfg-options', *options], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=300)


def roots(root, *loaders):
    return [f'{loader}_dataloader.dataset.data_root={root}/'
            for loader in loaders]


def test_finds_an_unreadable_classification_image(demo_classification,
                                                  tmp_path):
    root = shutil.copytree(demo_classification, tmp_path / 'imagenet')
    options = roots(root, 'train', 'val') + [
        f'{s}_dataloader.dataset.classes={root}/classes.txt'
        for s in ('train', 'val')]
    clean = verify(CLASSIFICATION_DEMO, *options)
    assert clean.returncode == 0, clean.stdout[-2000:] + clean.stderr[-2000:]
    assert 'no problems found' in clean.stdout
    image = sorted((root / 'train').rglob('*.JPEG'))[3]
    image.write_bytes(b'not a jpeg')
    result = verify(CLASSIFICATION_DEMO, *options)
    assert result.returncode == 1
    assert f'[train] {image}: unreadable image' in result.stdout
    assert '1 problem(s) found' in result.stdout


def test_finds_a_broken_coco_annotation(demo_detection, tmp_path):
    root = shutil.copytree(demo_detection, tmp_path / 'coco')
    ann_file = root / 'annotations' / 'instances_train.json'
    coco = json.loads(ann_file.read_text())
    coco['annotations'][0]['segmentation'] = [[1.0, 2.0, 3.0]]
    ann_file.write_text(json.dumps(coco))
    image = [i['file_name'] for i in coco['images']
             if i['id'] == coco['annotations'][0]['image_id']][0]
    result = verify(DETECTION_DEMO, *roots(root, 'train', 'val'),
                    f'val_evaluator.ann_file={root}/annotations/'
                    'instances_val.json')
    assert result.returncode == 1
    problem = [line for line in result.stdout.splitlines()
               if 'polygon of 3 coordinates' in line]
    assert problem and image in problem[0], result.stdout[-2000:]


def test_finds_an_unreadable_label_map(demo_segmentation, tmp_path):
    root = shutil.copytree(demo_segmentation, tmp_path / 'ade20k')
    label_map = sorted((root / 'annotations').rglob('*.png'))[0]
    label_map.write_bytes(label_map.read_bytes()[:40])
    result = verify(SEGMENTATION_DEMO, *roots(root, 'train', 'val'))
    assert result.returncode == 1
    assert f'{label_map}: unreadable label map' in result.stdout
