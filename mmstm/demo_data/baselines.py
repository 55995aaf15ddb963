"""What a segmenter scores without looking at the image: the floor a demo
model's mIoU has to clear to show it learned anything."""
import glob
import os.path as osp

import cv2
import numpy as np
import torch


def constant_prediction_scores(seg_map_dir, label, num_classes,
                               reduce_zero_label=True, ignore_index=255):
    """mIoU, mAcc and aAcc (in %) of predicting class ``label`` on every
    pixel of the label maps (``*.png``) in ``seg_map_dir``, computed with
    mmseg's own IoU arithmetic (classes absent from both prediction and
    ground truth are left out of the means, as in ``IoUMetric``)."""
    from mmseg.evaluation.metrics import IoUMetric
    files = sorted(glob.glob(osp.join(seg_map_dir, '*.png')))
    if not files:
        raise FileNotFoundError(f'no .png label maps in {seg_map_dir}')
    areas = [torch.zeros(num_classes, dtype=torch.float64) for _ in range(4)]
    for path in files:
        labels = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if labels is None:
            raise OSError(f'cannot read label map {path}')
        labels = torch.from_numpy(labels.astype(np.int64))
        if reduce_zero_label:  # as mmseg's LoadAnnotations does
            labels = torch.where(labels == 0, ignore_index, labels - 1)
            labels[labels == ignore_index - 1] = ignore_index
        prediction = torch.full_like(labels, label)
        for total, area in zip(areas, IoUMetric.intersect_and_union(
                prediction, labels, num_classes, ignore_index)):
            total += area
    metrics = IoUMetric.total_area_to_metrics(*areas, ['mIoU'])
    return dict(mIoU=float(np.nanmean(metrics['IoU']) * 100),
                mAcc=float(np.nanmean(metrics['Acc']) * 100),
                aAcc=float(metrics['aAcc']) * 100)
