"""Checks every sample of a dataset before training: each image decodes,
each annotation is usable (a classification label within the classes,
detection boxes and masks that make sense for the image, a segmentation
label map that decodes at the image's size with labels within the classes).

For COCO-style detection the annotation file itself is read too: mmdet drops
some annotations without a word while it parses (a box outside the image,
an empty box, an unknown category), and keeps others that break training (a
NaN box); :func:`coco_annotation_problems` finds both.

A problem is ``(reason, detail)``: the reason is short and shared, so that
problems can be counted per reason; the detail names the file.
"""
import collections
import json
import math

import mmcv
import numpy as np
from mmengine.fileio import get

Problem = collections.namedtuple('Problem', 'reason detail')
IGNORE_INDEX = 255  # mmseg's label for "no class"


def _decode(path, flag='color', backend='cv2'):
    """The decoded image at ``path``, or raise with the reason."""
    data = get(path)
    image = mmcv.imfrombytes(data, flag=flag, backend=backend)
    if image is None:
        raise ValueError(f'cannot decode its {len(data)} bytes')
    return image


def _box_problem(bbox, height, width):
    """The reason an ``[x1, y1, x2, y2]`` box is unusable, or None."""
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        return 'box not 4 finite numbers'
    x1, y1, x2, y2 = bbox
    if x2 <= x1 or y2 <= y1:
        return 'empty box'
    if x1 >= width or y1 >= height or x2 <= 0 or y2 <= 0:
        return 'box outside the image'
    return None


def _mask_problem(mask, height, width):
    """The reason a mask (polygons or RLE) is unusable, or None."""
    if isinstance(mask, dict):  # RLE
        from pycocotools import mask as mask_utils
        if list(mask.get('size', [])) != [height, width]:
            return 'RLE mask of another size than its image'
        try:
            rle = dict(mask)
            if isinstance(rle['counts'], list):
                rle = mask_utils.frPyObjects(rle, height, width)
            mask_utils.decode(rle)
        except Exception:
            return 'RLE mask that does not decode'
        return None
    if not isinstance(mask, list) or not mask:
        return 'mask neither polygons nor RLE'
    for polygon in mask:
        if len(polygon) < 6 or len(polygon) % 2:
            return 'malformed polygon'
        if not all(math.isfinite(v) for v in polygon):
            return 'polygon not finite numbers'
    return None


def _label_map_problems(label_map, num_classes, reduce_zero_label):
    """Problems of the labels in a decoded label map."""
    labels = np.unique(label_map)
    if reduce_zero_label:  # mmseg: 0 -> ignored, k -> k - 1
        labels = labels[(labels != 0)] - 1
        labels = labels[labels != IGNORE_INDEX - 1]
    bad = labels[(labels >= num_classes) & (labels != IGNORE_INDEX)]
    return [f'labels {bad[:5].tolist()} outside the {num_classes} classes'] \
        if len(bad) else []


def sample_problems(info, num_classes=None, reduce_zero_label=False,
                    check_instances=True):
    """Problems of one sample (a dataset's ``get_data_info``);
    ``check_instances=False`` where the annotation file was checked
    instead."""
    problems = []
    image_path = info.get('img_path')
    height = width = None
    if image_path is not None:
        try:
            height, width = _decode(image_path).shape[:2]
        except Exception as error:
            problems.append(Problem('unreadable image',
                                    f'{image_path}: unreadable image '
                                    f'({error})'))
    label = info.get('gt_label')
    if label is not None and num_classes is not None:
        labels = np.atleast_1d(np.asarray(label))
        if ((labels < 0) | (labels >= num_classes)).any():
            problems.append(Problem('label outside the classes',
                                    f'{image_path}: label {label} outside '
                                    f'the {num_classes} classes'))
    height = info.get('height', height)
    width = info.get('width', width)
    for i, instance in enumerate(info.get('instances', [])):
        if height is None or not check_instances:
            break
        reasons = [_box_problem(instance.get('bbox', []), height, width)]
        if 'mask' in instance:
            reasons.append(_mask_problem(instance['mask'], height, width))
        for reason in filter(None, reasons):
            problems.append(Problem(reason, f'{image_path}: annotation {i}: '
                                    f'{reason} ({instance.get("bbox")})'))
    seg_path = info.get('seg_map_path')
    if seg_path is not None:
        problems += _seg_map_problems(seg_path, height, width, num_classes,
                                      reduce_zero_label)
    return problems


def _seg_map_problems(seg_path, height, width, num_classes,
                      reduce_zero_label):
    try:
        label_map = _decode(seg_path, flag='unchanged', backend='pillow')
    except Exception as error:
        return [Problem('unreadable label map',
                        f'{seg_path}: unreadable label map ({error})')]
    problems = []
    if height is not None and label_map.shape[:2] != (height, width):
        problems.append(Problem(
            'label map of another size than its image',
            f'{seg_path}: label map {label_map.shape[1]}x'
            f'{label_map.shape[0]} for a {width}x{height} image'))
    if num_classes is not None:
        problems += [Problem('label outside the classes', f'{seg_path}: {p}')
                     for p in _label_map_problems(label_map, num_classes,
                                                  reduce_zero_label)]
    return problems


def _coco_drop_reason(ann, image, cat_ids):
    """The reason mmdet's ``CocoDataset`` drops (or should not keep) the
    raw annotation ``ann`` of ``image``, or None; in mmdet's order."""
    bbox = ann.get('bbox', [])
    if len(bbox) != 4 or not all(
            isinstance(v, (int, float)) and math.isfinite(v) for v in bbox):
        return 'box not 4 finite numbers'
    if not math.isfinite(ann.get('area', 1.0)):
        return 'area not finite'
    x1, y1, w, h = bbox
    inter_w = max(0, min(x1 + w, image['width']) - max(x1, 0))
    inter_h = max(0, min(y1 + h, image['height']) - max(y1, 0))
    if inter_w * inter_h == 0:
        return 'box outside the image'
    if ann.get('area', 1.0) <= 0 or w < 1 or h < 1:
        return 'zero area (or under a pixel wide)'
    if ann.get('category_id') not in cat_ids:
        return 'unknown category id'
    if not ann.get('iscrowd', 0) and 'segmentation' in ann:
        return _mask_problem(ann['segmentation'], image['height'],
                             image['width'])
    return None


def coco_annotation_problems(ann_file, classes=None):
    """``(number of annotations, problems)`` of the COCO annotation file
    ``ann_file``: every annotation mmdet drops while parsing or that is
    invalid, for a dataset of ``classes`` (names; all categories if None).
    """
    coco = json.loads(get(ann_file))
    categories = coco.get('categories', [])
    cat_ids = {c['id'] for c in categories
               if classes is None or c['name'] in classes}
    images = {image['id']: image for image in coco.get('images', [])}
    problems = []
    for ann in coco.get('annotations', []):
        image = images.get(ann.get('image_id'))
        if image is None:
            problems.append(Problem('image id not in the file',
                                    f'{ann_file}: annotation {ann.get("id")} '
                                    f'of image id {ann.get("image_id")}'))
            continue
        reason = _coco_drop_reason(ann, image, cat_ids)
        if reason is not None:
            problems.append(Problem(reason, (
                f'{image.get("file_name")}: annotation {ann.get("id")}: '
                f'{reason} (bbox {ann.get("bbox")}, area {ann.get("area")}, '
                f'category {ann.get("category_id")})')))
    return len(coco.get('annotations', [])), problems


def dataset_problems(dataset, progress=None):
    """Problems of every sample of ``dataset`` (an mmengine dataset) and,
    for a COCO-style dataset, of its annotation file."""
    classes = dataset.metainfo.get('classes')
    num_classes = len(classes) if classes else None
    reduce_zero_label = getattr(dataset, 'reduce_zero_label', False)
    coco = is_coco_style(dataset)
    problems = coco_annotation_problems(dataset.ann_file, classes)[1] \
        if coco else []
    for index in range(len(dataset)):
        problems += sample_problems(dataset.get_data_info(index),
                                    num_classes, reduce_zero_label,
                                    check_instances=not coco)
        if progress is not None:
            progress.update()
    return problems


def is_coco_style(dataset):
    """Whether ``dataset`` reads a COCO annotation file (mmdet's
    ``CocoDataset`` and its subclasses)."""
    return hasattr(dataset, 'cat_ids') and \
        str(getattr(dataset, 'ann_file', '')).endswith('.json')


def summarise(problems, examples=3):
    """Lines counting ``problems`` per reason, each with its first
    ``examples`` details."""
    by_reason = collections.defaultdict(list)
    for problem in problems:
        by_reason[problem.reason].append(problem.detail)
    lines = []
    for reason, details in sorted(by_reason.items(),
                                  key=lambda item: -len(item[1])):
        lines.append(f'{len(details)} x {reason}, e.g.:')
        lines += [f'    {detail}' for detail in details[:examples]]
    return lines
