"""The annotations a detection dataset loses while it loads, in the log."""
import collections
import logging

from mmengine.hooks import Hook

from mmstm.datasets.verify import coco_annotation_problems, is_coco_style
from mmstm.registry import HOOKS


def innermost_dataset(dataset):
    """The dataset inside wrappers such as ``RepeatDataset``."""
    while not hasattr(dataset, 'get_data_info') and hasattr(dataset,
                                                            'dataset'):
        dataset = dataset.dataset
    return dataset


@HOOKS.register_module()
class DroppedAnnotationsHook(Hook):
    """``dict(type='mmstm.DroppedAnnotationsHook')``: when training starts,
    log how many annotations of the training set's COCO file mmdet dropped
    while parsing (a box outside the image, an empty box, an unknown
    category), per reason, as a warning when any were.
    ``tools/misc/verify_dataset.py`` names them."""

    def before_train(self, runner):
        dataset = innermost_dataset(runner.train_dataloader.dataset)
        if not is_coco_style(dataset):
            return
        total, problems = coco_annotation_problems(
            dataset.ann_file, dataset.metainfo.get('classes'))
        kept = sum(len(dataset.get_data_info(i).get('instances', []))
                   for i in range(len(dataset)))
        reasons = collections.Counter(problem.reason for problem in problems)
        counted = ', '.join(f'{n} {reason}' for reason, n in
                            reasons.most_common())
        dropped = total - kept
        runner.logger.log(
            logging.WARNING if dropped or problems else logging.INFO,
            f'training annotations ({dataset.ann_file}): {kept} of {total} '
            f'kept, {dropped} dropped while loading'
            + (f'; problems: {counted} (tools/misc/verify_dataset.py names '
               'them)' if problems else ''))
