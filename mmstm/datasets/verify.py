"""Checks every sample of a dataset before training: each image decodes,
each annotation is usable (a classification label within the classes,
detection boxes and masks that make sense for the image, a segmentation
label map that decodes at the image's size)."""
import math

import mmcv
import numpy as np
from mmengine.fileio import get


def _decode(path, flag='color', backend='cv2'):
    """The decoded image at ``path``, or raise with the reason."""
    data = get(path)
    image = mmcv.imfrombytes(data, flag=flag, backend=backend)
    if image is None:
        raise ValueError(f'cannot decode its {len(data)} bytes')
    return image


def _box_problem(bbox, height, width):
    if len(bbox) != 4 or not all(math.isfinite(v) for v in bbox):
        return f'box {bbox} is not 4 finite numbers'
    x1, y1, x2, y2 = bbox
    if x2 <= x1 or y2 <= y1:
        return f'box {bbox} is empty'
    if x1 >= width or y1 >= height or x2 <= 0 or y2 <= 0:
        return f'box {bbox} lies outside the {width}x{height} image'
    return None


def _mask_problem(mask, height, width):
    if isinstance(mask, dict):  # RLE
        from pycocotools import mask as mask_utils
        if list(mask.get('size', [])) != [height, width]:
            return f'RLE mask of size {mask.get("size")} on a ' \
                   f'{width}x{height} image'
        try:
            rle = dict(mask)
            if isinstance(rle['counts'], list):
                rle = mask_utils.frPyObjects(rle, height, width)
            mask_utils.decode(rle)
        except Exception as error:
            return f'RLE mask does not decode ({error})'
        return None
    if not isinstance(mask, list) or not mask:
        return f'mask {str(mask)[:40]} is neither polygons nor RLE'
    for polygon in mask:
        if len(polygon) < 6 or len(polygon) % 2:
            return f'polygon of {len(polygon)} coordinates (need an even ' \
                   'number, at least 6)'
    return None


def sample_problems(info, num_classes=None):
    """Problems of one sample (a dataset's ``get_data_info``), as strings
    naming its files."""
    problems = []
    image_path = info.get('img_path')
    height = width = None
    if image_path is not None:
        try:
            height, width = _decode(image_path).shape[:2]
        except Exception as error:
            problems.append(f'{image_path}: unreadable image ({error})')
    label = info.get('gt_label')
    if label is not None and num_classes is not None:
        labels = np.atleast_1d(np.asarray(label))
        if ((labels < 0) | (labels >= num_classes)).any():
            problems.append(f'{image_path}: label {label} outside the '
                            f'{num_classes} classes')
    height = info.get('height', height)
    width = info.get('width', width)
    for i, instance in enumerate(info.get('instances', [])):
        if height is None:
            break
        reasons = [_box_problem(instance.get('bbox', []), height, width)]
        if 'mask' in instance:
            reasons.append(_mask_problem(instance['mask'], height, width))
        for reason in filter(None, reasons):
            problems.append(f'{image_path}: annotation {i}: {reason}')
    seg_path = info.get('seg_map_path')
    if seg_path is not None:
        try:
            label_map = _decode(seg_path, flag='unchanged', backend='pillow')
            if height is not None and label_map.shape[:2] != (height, width):
                problems.append(
                    f'{seg_path}: label map {label_map.shape[1]}x'
                    f'{label_map.shape[0]} for a {width}x{height} image')
        except Exception as error:
            problems.append(f'{seg_path}: unreadable label map ({error})')
    return problems


def dataset_problems(dataset, progress=None):
    """Problems of every sample of ``dataset`` (an mmengine dataset)."""
    classes = dataset.metainfo.get('classes')
    num_classes = len(classes) if classes else None
    problems = []
    for index in range(len(dataset)):
        problems += sample_problems(dataset.get_data_info(index), num_classes)
        if progress is not None:
            progress.update()
    return problems
