"""Loading that names the file it could not read, and loading that skips
unreadable training images instead of stopping."""
import logging

from mmcv.transforms import BaseTransform, LoadImageFromFile
from mmengine.logging import print_log

from mmstm.registry import TRANSFORMS


@TRANSFORMS.register_module()
class LoadImageOrSkip(LoadImageFromFile):
    """``LoadImageFromFile`` (same arguments) that, for an image it cannot
    read, logs a warning with the file and the number skipped so far by this
    process, and returns None: the dataset then fetches another sample.

    Opt-in for training with ``skip_unreadable_images = True`` in a config
    (``tools/train.py`` swaps it in); by default an unreadable image stops
    the run with its path. Find them all before training with
    ``tools/misc/verify_dataset.py``.
    """

    skipped = 0  # per process (each dataloader worker counts its own)

    def transform(self, results):
        try:
            return super().transform(results)
        except Exception as error:  # mmcv raises or asserts, per back end
            LoadImageOrSkip.skipped += 1
            print_log(f'skipped unreadable image {results.get("img_path")} '
                      f'({type(error).__name__}: {error}); '
                      f'{LoadImageOrSkip.skipped} skipped by this process',
                      logger='current', level=logging.WARNING)
            return None


def skip_unreadable_images(cfg):
    """With ``cfg.skip_unreadable_images``, swap ``LoadImageFromFile`` for
    :class:`LoadImageOrSkip` in the training pipeline. Returns ``cfg``."""
    if not cfg.get('skip_unreadable_images', False):
        return cfg
    swapped = 0
    for transform in [t for pipeline in _pipelines(cfg, ['train'])
                      for t in pipeline]:
        if transform['type'] in ('LoadImageFromFile',
                                 'mmcv.LoadImageFromFile'):
            transform['type'] = 'mmstm.LoadImageOrSkip'
            swapped += 1
    if not swapped:
        raise KeyError('skip_unreadable_images: the training pipeline has no '
                       'LoadImageFromFile to replace')
    return cfg


class SampleReadError(RuntimeError):
    """A loading transform failed on a sample; the message names its
    files."""


@TRANSFORMS.register_module()
class NameFilesOnError(BaseTransform):
    """``dict(type='mmstm.NameFilesOnError', transform=dict(...))``: runs
    ``transform`` (a loading step, e.g. mmseg's ``LoadAnnotations``); an
    error it raises is raised again naming the sample's files (its
    ``*_path`` entries), which the libraries' decoders do not (PIL's
    "image file is truncated")."""

    def __init__(self, transform):
        self.transform_cfg = dict(transform)
        self.loader = TRANSFORMS.build(transform)

    def transform(self, results):
        try:
            return self.loader(results)
        except Exception as error:
            files = ', '.join(f'{key} {value}' for key, value in
                              results.items() if key.endswith('_path')
                              and isinstance(value, str))
            raise SampleReadError(
                f'{type(self.loader).__name__} failed on {files}: '
                f'{type(error).__name__}: {error}') from error

    def __repr__(self):
        return f'{type(self).__name__}({self.loader!r})'


def _pipelines(cfg, splits):
    for split in splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        dataset = loader.dataset
        while 'pipeline' not in dataset and 'dataset' in dataset:
            dataset = dataset.dataset  # e.g. RepeatDataset
        if dataset.get('pipeline'):
            yield dataset.pipeline


def name_files_in_read_errors(cfg, splits=('train', 'val', 'test')):
    """Wrap every ``Load*`` step of the ``splits``' pipelines in
    :class:`NameFilesOnError`. Returns ``cfg``."""
    for pipeline in _pipelines(cfg, splits):
        for i, transform in enumerate(pipeline):
            kind = str(transform.get('type', '')).split('.')[-1]
            if kind.startswith('Load'):
                pipeline[i] = dict(type='mmstm.NameFilesOnError',
                                   transform=transform)
    return cfg
