"""tools/misc/verify_dataset.py finds an unreadable image, every annotation
mmdet would drop or misuse and an unreadable label map, counting them per
reason and naming the files; training logs what mmdet dropped."""
import json
import logging
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
    assert '[train] 1 x unreadable image, e.g.:' in result.stdout
    assert f'[train]     {image}: unreadable image' in result.stdout
    assert '1 problem(s) found' in result.stdout


BROKEN = {  # annotation index -> (change, the reason reported)
    0: (dict(segmentation=[[1.0, 2.0, 3.0]]), 'malformed polygon'),
    1: (dict(bbox=[500.0, 500.0, 10.0, 10.0]), 'box outside the image'),
    2: (dict(bbox=[float('nan'), 4.0, 10.0, 10.0]),
        'box not 4 finite numbers'),
    3: (dict(area=0.0), 'zero area (or under a pixel wide)'),
    4: (dict(bbox=[4.0, 4.0, 0.5, 10.0]), 'zero area (or under a pixel wide)'),
    5: (dict(category_id=999), 'unknown category id'),
}


def broken_coco(demo_detection, tmp_path):
    """The demo COCO set with the annotations of :data:`BROKEN` broken;
    returns its root and the broken annotations."""
    root = shutil.copytree(demo_detection, tmp_path / 'coco')
    ann_file = root / 'annotations' / 'instances_train.json'
    coco = json.loads(ann_file.read_text())
    for index, (change, _) in BROKEN.items():
        coco['annotations'][index].update(change)
    ann_file.write_text(json.dumps(coco))  # (json writes NaN as NaN)
    return root, coco


def test_reports_every_coco_annotation_mmdet_would_drop_or_misuse(
        demo_detection, tmp_path):
    root, coco = broken_coco(demo_detection, tmp_path)
    result = verify(DETECTION_DEMO, *roots(root, 'train', 'val'),
                    f'val_evaluator.ann_file={root}/annotations/'
                    'instances_val.json')
    assert result.returncode == 1
    out = result.stdout
    assert '[train] 2 x zero area (or under a pixel wide), e.g.:' in out, \
        out[-3000:]
    for index, (_, reason) in BROKEN.items():
        annotation = coco['annotations'][index]
        image = [i['file_name'] for i in coco['images']
                 if i['id'] == annotation['image_id']][0]
        named = [line for line in out.splitlines()
                 if f'{image}: annotation {annotation["id"]}: {reason}'
                 in line]
        assert named, (reason, out[-3000:])
    assert f'{len(BROKEN)} problem(s) found' in out


def test_training_logs_the_annotations_mmdet_dropped(demo_detection,
                                                     tmp_path):
    from mmengine.config import Config
    from mmengine.registry import DATASETS, init_default_scope

    from mmstm.engine import DroppedAnnotationsHook
    root, coco = broken_coco(demo_detection, tmp_path)
    cfg = Config.fromfile(DETECTION_DEMO)
    init_default_scope('mmdet')
    cfg.train_dataloader.dataset.data_root = f'{root}/'
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    messages = []

    class Logger:
        def log(self, level, message):
            messages.append((level, message))

    runner = type('Runner', (), dict(
        train_dataloader=type('Loader', (), dict(dataset=dataset)),
        logger=Logger()))
    DroppedAnnotationsHook().before_train(runner)
    ((level, message), ) = messages
    total = len(coco['annotations'])
    dropped = 5  # all but the polygon: mmdet reads a NaN x as outside
    assert level == logging.WARNING
    assert f'{total - dropped} of {total} kept, {dropped} dropped while ' \
        'loading' in message, message
    assert '1 malformed polygon' in message and '1 box not 4 finite' in message


def test_finds_an_unreadable_label_map(demo_segmentation, tmp_path):
    root = shutil.copytree(demo_segmentation, tmp_path / 'ade20k')
    label_map = sorted((root / 'annotations').rglob('*.png'))[0]
    label_map.write_bytes(label_map.read_bytes()[:40])
    result = verify(SEGMENTATION_DEMO, *roots(root, 'train', 'val'))
    assert result.returncode == 1
    assert f'    {label_map}: unreadable label map' in result.stdout


def test_finds_labels_outside_the_classes(demo_segmentation, tmp_path):
    import numpy as np
    from PIL import Image
    root = shutil.copytree(demo_segmentation, tmp_path / 'ade20k')
    label_map = sorted((root / 'annotations').rglob('*.png'))[1]
    labels = np.array(Image.open(label_map))
    labels[:4, :4] = 200  # (ADE20K reduces it to 199; the demo has fewer)
    Image.fromarray(labels).save(label_map)
    result = verify(SEGMENTATION_DEMO, *roots(root, 'train', 'val'))
    assert result.returncode == 1
    assert f'    {label_map}: labels [199] outside the ' in result.stdout, \
        result.stdout[-2000:]
