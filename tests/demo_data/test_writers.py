"""The demo datasets are read by the stock dataset classes of each library."""
import filecmp
import os

import numpy as np
from mmengine.registry import init_default_scope

from mmstm.demo_data import SHAPE_NAMES, write_classification


def test_classification_reads_as_imagenet_layout(demo_classification):
    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(
        data_root=demo_classification, ann_file='meta/train.txt',
        data_prefix='train',
        classes=os.path.join(demo_classification, 'classes.txt'),
        pipeline=[dict(type='LoadImageFromFile')])
    assert len(dataset) == 24
    assert dataset.CLASSES == SHAPE_NAMES
    labels = [dataset.get_data_info(i)['gt_label'] for i in range(24)]
    assert sorted(set(labels)) == list(range(len(SHAPE_NAMES)))
    sample = dataset[0]
    assert sample['img'].shape == (32, 32, 3)
    # the folder name is the class, as in ImageNet's train split
    info = dataset.get_data_info(5)
    assert SHAPE_NAMES[info['gt_label']] in info['img_path']


def test_classification_without_annotation_file_uses_folders(
        demo_classification):
    from mmpretrain.datasets import CustomDataset
    dataset = CustomDataset(data_root=demo_classification, data_prefix='val')
    assert len(dataset) == 12
    assert set(dataset.CLASSES) == set(SHAPE_NAMES)


def test_detection_reads_as_coco(demo_detection):
    init_default_scope('mmdet')
    from mmdet.datasets import CocoDataset
    dataset = CocoDataset(
        data_root=demo_detection, ann_file='annotations/instances_train.json',
        data_prefix=dict(img='train/'), metainfo=dict(classes=SHAPE_NAMES),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', with_bbox=True, with_mask=True,
                       poly2mask=True)])
    assert len(dataset) == 6
    sample = dataset[0]
    boxes, masks = sample['gt_bboxes'], sample['gt_masks']
    assert len(boxes) >= 1 and len(masks) == len(boxes)
    for box, mask in zip(boxes.tensor, masks.masks):
        ys, xs = np.nonzero(mask)
        # the box is the tight box of the mask, within polygon rounding
        assert abs(xs.min() - box[0]) <= 1.5 and abs(ys.min() - box[1]) <= 1.5
        assert abs(xs.max() + 1 - box[2]) <= 1.5


def test_detection_masks_match_their_area(demo_detection):
    from pycocotools.coco import COCO
    coco = COCO(os.path.join(demo_detection, 'annotations',
                             'instances_val.json'))
    anns = list(coco.anns.values())
    assert anns and {a['category_id'] for a in anns} <= set(range(1, 7))
    for ann in anns:
        mask = coco.annToMask(ann)
        # polygons are rounded to pixels by the rasteriser; RLE is exact
        tolerance = 0 if isinstance(ann['segmentation'], dict) else \
            0.15 * ann['area'] + 10
        assert abs(int(mask.sum()) - ann['area']) <= tolerance
    ring = [a for a in anns if coco.cats[a['category_id']]['name'] == 'ring']
    assert all(isinstance(a['segmentation'], dict) for a in ring)


def test_segmentation_reads_as_ade20k(demo_segmentation):
    init_default_scope('mmseg')
    from mmseg.datasets import ADE20KDataset
    dataset = ADE20KDataset(
        data_root=demo_segmentation,
        data_prefix=dict(img_path='images/training',
                         seg_map_path='annotations/training'),
        pipeline=[dict(type='LoadImageFromFile'),
                  dict(type='LoadAnnotations', reduce_zero_label=True)])
    assert len(dataset) == 6
    labels = dataset[0]['gt_seg_map']
    assert labels.shape == (96, 96)
    # background texture -> 0 after reduce_zero_label, shapes -> 1..6
    values = set(np.unique(labels).tolist())
    assert 0 in values and values <= set(range(1 + len(SHAPE_NAMES)))
    assert len(values) >= 2


def test_generation_is_deterministic(tmp_path):
    for name in ('a', 'b'):
        write_classification(str(tmp_path / name), num_train=6, num_val=0,
                             img_size=24, seed=3)
    cmp = filecmp.dircmp(tmp_path / 'a' / 'train', tmp_path / 'b' / 'train')
    files = [f for d in cmp.subdirs.values() for f in d.same_files]
    assert len(files) == 6 and not cmp.diff_files
    assert all(not sub.diff_files for sub in cmp.subdirs.values())


def test_writing_again_replaces_files_whole(tmp_path, monkeypatch):
    # a second demo script regenerates the set under a running one: every
    # file is replaced by a rename (a reader never opens a half-written
    # one) and no temporary file stays behind
    out = tmp_path / 'imagenet'
    write_classification(str(out), num_train=6, num_val=2, img_size=24)
    before = {p: p.read_bytes() for p in out.rglob('*') if p.is_file()}
    replaced = []
    monkeypatch.setattr(os, 'replace', lambda src, dst: replaced.append(
        dst) or os.rename(src, dst))
    write_classification(str(out), num_train=6, num_val=2, img_size=24)
    after = {p: p.read_bytes() for p in out.rglob('*') if p.is_file()}
    assert after == before
    assert sorted(map(str, before)) == sorted(map(str, replaced))
