"""Writers of the demo datasets in the standard on-disk formats.

* classification: ImageNet layout, read by mmpretrain's ``CustomDataset``:
  ``{train,val}/<class>/<name>.JPEG``, ``meta/{train,val}.txt`` and
  ``classes.txt``;
* detection: COCO instances (polygon masks; RLE for shapes with a hole),
  read by mmdet's ``CocoDataset``: ``{train,val}/*.jpg`` and
  ``annotations/instances_{train,val}.json``;
* segmentation: ADE20K layout, read by mmseg's ``BaseSegDataset`` with
  ADE20K's suffixes (``ADE20KDataset`` accepts only its own class names):
  ``images/{training,validation}/*.jpg`` and ``annotations/.../*.png`` label
  maps, 0 reserved for "unlabelled" as in ADE20K (so ``reduce_zero_label``
  applies), the background texture is 1 and shape ``k`` is ``k + 2``.

Every image is drawn from its own seed (task, split, index), so a dataset is
the same on every machine and growing ``num`` keeps the earlier images.
"""
import json
import os
import os.path as osp

import cv2
import numpy as np
from pycocotools import mask as mask_utils

from .shapes import (SHAPE_NAMES, draw_object, random_object, rasterize,
                     textured_background)

TASK_SEEDS = {'classification': 0, 'detection': 1, 'segmentation': 2}
SPLIT_SEEDS = {'train': 0, 'val': 1}
SEG_BACKGROUND_LABEL = 1
SEG_FIRST_SHAPE_LABEL = 2


def _rng(seed, task, split, index):
    return np.random.default_rng([seed, TASK_SEEDS[task], SPLIT_SEEDS[split],
                                  index])


def _write_atomically(path, data):
    """Write ``data`` (bytes) to ``path`` through a temporary file renamed
    over it: a training run reading the set while it is written again (a
    second demo script started beside it) sees the old file or the new one,
    never a cut one."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    temporary = f'{path}.{os.getpid()}.tmp'
    with open(temporary, 'wb') as f:
        f.write(data)
    os.replace(temporary, path)


def _save_image(path, image, params=()):
    ok, encoded = cv2.imencode(osp.splitext(path)[1], image, list(params))
    if not ok:
        raise OSError(f'could not encode {path}')
    _write_atomically(path, encoded.tobytes())


def _save_rgb(path, image):
    bgr = cv2.cvtColor(image.astype(np.uint8), cv2.COLOR_RGB2BGR)
    _save_image(path, bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])


def _scene(rng, size, num_objects, min_frac, max_frac):
    """Background + up to ``num_objects`` non-overlapping shapes.

    Returns the image and a list of ``(class_index, contours, mask)``.
    """
    height = width = size
    image = textured_background(rng, height, width)
    occupied = np.zeros((height, width), bool)
    objects = []
    for _ in range(num_objects):
        label = int(rng.integers(len(SHAPE_NAMES)))
        for _attempt in range(20):
            contours = random_object(rng, SHAPE_NAMES[label], height, width,
                                     min_frac, max_frac)
            mask = rasterize(contours, height, width)
            if mask.any() and not (mask & occupied).any():
                break
        else:
            continue
        occupied |= cv2.dilate(mask.astype(np.uint8), np.ones((3, 3))) > 0
        draw_object(rng, image, mask)
        objects.append((label, contours, mask))
    return image.astype(np.uint8), objects


def write_classification(out_dir, num_train=1200, num_val=300, img_size=64,
                         seed=0):
    """One centred-ish shape per image; the label is its form."""
    _write_lines(osp.join(out_dir, 'classes.txt'), SHAPE_NAMES)
    for split, num in (('train', num_train), ('val', num_val)):
        lines = []
        for index in range(num):
            rng = _rng(seed, 'classification', split, index)
            label = index % len(SHAPE_NAMES)
            image = textured_background(rng, img_size, img_size)
            contours = random_object(rng, SHAPE_NAMES[label], img_size,
                                     img_size, 0.5, 0.95)
            draw_object(rng, image, rasterize(contours, img_size, img_size))
            rel = f'{SHAPE_NAMES[label]}/{split}_{index:05d}.JPEG'
            _save_rgb(osp.join(out_dir, split, rel), image)
            lines.append(f'{rel} {label}')
        _write_lines(osp.join(out_dir, 'meta', f'{split}.txt'), lines)


def _coco_segmentation(contours, mask):
    if len(contours) == 1:
        return [np.round(contours[0], 2).flatten().tolist()]
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    rle['counts'] = rle['counts'].decode('ascii')
    return rle


def write_detection(out_dir, num_train=200, num_val=50, img_size=128, seed=0,
                    max_objects=4):
    """COCO instances: 1..``max_objects`` shapes per image."""
    categories = [dict(id=i + 1, name=n, supercategory='shape')
                  for i, n in enumerate(SHAPE_NAMES)]
    for split, num in (('train', num_train), ('val', num_val)):
        images, annotations = [], []
        for index in range(num):
            rng = _rng(seed, 'detection', split, index)
            image, objects = _scene(rng, img_size,
                                    int(rng.integers(1, max_objects + 1)),
                                    0.2, 0.5)
            file_name = f'{split}_{index:05d}.jpg'
            _save_rgb(osp.join(out_dir, split, file_name), image)
            images.append(dict(id=index + 1, file_name=file_name,
                               height=img_size, width=img_size))
            for label, contours, mask in objects:
                ys, xs = np.nonzero(mask)
                x0, y0 = int(xs.min()), int(ys.min())
                annotations.append(dict(
                    id=len(annotations) + 1, image_id=index + 1,
                    category_id=label + 1, iscrowd=0, area=int(mask.sum()),
                    bbox=[x0, y0, int(xs.max()) - x0 + 1,
                          int(ys.max()) - y0 + 1],
                    segmentation=_coco_segmentation(contours, mask)))
        path = osp.join(out_dir, 'annotations', f'instances_{split}.json')
        _write_atomically(path, json.dumps(dict(
            images=images, annotations=annotations,
            categories=categories)).encode())


def write_segmentation(out_dir, num_train=200, num_val=50, img_size=128,
                       seed=0, max_objects=4):
    """ADE20K-style label maps; see the module docstring for the labels."""
    for split, num in (('train', num_train), ('val', num_val)):
        folder = 'training' if split == 'train' else 'validation'
        for index in range(num):
            rng = _rng(seed, 'segmentation', split, index)
            image, objects = _scene(rng, img_size,
                                    int(rng.integers(1, max_objects + 1)),
                                    0.2, 0.6)
            labels = np.full((img_size, img_size), SEG_BACKGROUND_LABEL,
                             np.uint8)
            for label, _, mask in objects:
                labels[mask] = SEG_FIRST_SHAPE_LABEL + label
            name = f'ADE_{split}_{index:08d}'
            _save_rgb(osp.join(out_dir, 'images', folder, name + '.jpg'),
                      image)
            _save_image(osp.join(out_dir, 'annotations', folder,
                                 name + '.png'), labels)


def _write_lines(path, lines):
    _write_atomically(path, ('\n'.join(lines) + '\n').encode())
