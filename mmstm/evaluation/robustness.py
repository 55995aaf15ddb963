"""Metrics of the robustness benchmarks: accuracy restricted to the classes a
benchmark covers (ImageNet-A/R), and ImageNet-C's corruption errors."""
from collections import defaultdict

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from mmstm.registry import METRICS

# AlexNet's top-1 error on each ImageNet-C corruption, averaged over the five
# severities (Hendrycks & Dietterich 2019): the normaliser of the CE.
ALEXNET_ERRORS = {
    'gaussian_noise': 0.886428, 'shot_noise': 0.894468,
    'impulse_noise': 0.922640, 'defocus_blur': 0.819880,
    'glass_blur': 0.826268, 'motion_blur': 0.785948, 'zoom_blur': 0.798360,
    'snow': 0.866816, 'frost': 0.826572, 'fog': 0.819324,
    'brightness': 0.564592, 'contrast': 0.853204,
    'elastic_transform': 0.646056, 'pixelate': 0.717840,
    'jpeg_compression': 0.606500,
}


@METRICS.register_module()
class SubsetAccuracy(BaseMetric):
    """Top-k accuracy (%) of ImageNet-1K scores, restricted to the classes
    present in the dataset (its ``present_classes`` metainfo) when
    ``restrict`` is on: ImageNet-A and -R are scored over their 200
    classes, as published. Without restriction it is plain 1000-way
    accuracy (ImageNet-Sketch)."""

    default_prefix = 'subset'

    def __init__(self, topk=(1, 5), restrict=True, **kwargs):
        super().__init__(**kwargs)
        self.topk = tuple(topk)
        self.restrict = restrict

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            self.results.append((sample['pred_score'].cpu(),
                                 int(sample['gt_label'])))

    def compute_metrics(self, results):
        scores = torch.stack([score for score, _ in results])
        labels = torch.tensor([label for _, label in results])
        if self.restrict:
            present = torch.tensor(self.dataset_meta['present_classes'])
            scores = scores[:, present]
            labels = torch.searchsorted(present, labels)
        # top-k over fewer than k classes ranks them all
        ranked = scores.topk(min(max(self.topk), scores.shape[1]),
                             dim=1).indices
        return {f'top{k}': 100 * (ranked[:, :k] == labels[:, None]).any(1)
                .float().mean().item() for k in self.topk}


def corruption_errors(errors, alexnet_errors=ALEXNET_ERRORS):
    """From ``{(corruption, severity): top-1 error in [0, 1]}``: per
    corruption the mean error over severities and the CE (that mean over
    AlexNet's), and the mCE over the corruptions AlexNet has a number for,
    all in %."""
    by_corruption = defaultdict(list)
    for (corruption, _), error in sorted(errors.items()):
        by_corruption[corruption].append(error)
    metrics = {}
    ces = []
    for corruption, values in by_corruption.items():
        mean_error = float(np.mean(values))
        metrics[f'error/{corruption}'] = 100 * mean_error
        if corruption in alexnet_errors:
            ce = mean_error / alexnet_errors[corruption]
            metrics[f'CE/{corruption}'] = 100 * ce
            ces.append(ce)
    for (corruption, severity), error in sorted(errors.items()):
        metrics[f'error/{corruption}/{severity}'] = 100 * error
    if ces:
        metrics['mCE'] = 100 * float(np.mean(ces))
    metrics['mean_error'] = 100 * float(np.mean(list(errors.values())))
    return metrics


@METRICS.register_module()
class CorruptionError(BaseMetric):
    """ImageNet-C: top-1 error per corruption and severity, CE normalised by
    AlexNet and their mean, the mCE (all in %). Samples need ``corruption``
    and ``severity`` meta keys (:class:`ImageNetVariant` with
    ``corruptions=True``, packed with those ``meta_keys``)."""

    default_prefix = 'imagenet-c'

    def process(self, data_batch, data_samples):
        for sample in data_samples:
            if 'corruption' not in sample or 'severity' not in sample:
                raise KeyError('CorruptionError needs the "corruption" and '
                               '"severity" meta keys in PackInputs')
            correct = int(sample['pred_score'].argmax()) == \
                int(sample['gt_label'])
            self.results.append((sample['corruption'],
                                 int(sample['severity']), correct))

    def compute_metrics(self, results):
        outcomes = defaultdict(list)
        for corruption, severity, correct in results:
            outcomes[(corruption, severity)].append(correct)
        errors = {key: 1 - float(np.mean(values))
                  for key, values in outcomes.items()}
        return corruption_errors(errors)
