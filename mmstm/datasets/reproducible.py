"""Samplers whose data augmentation does not depend on the process that runs
it, so a resumed run draws exactly what an uninterrupted one draws.

A dataloader worker's random generators are seeded once, when the worker
starts, and persistent workers carry them from epoch to epoch: a run resumed
at epoch 3 starts fresh workers, which replay the random crops and flips of
epoch 1. These samplers give every sample a position in the run's stream of
samples (epoch x samples per epoch + place in the epoch's global order) and
run the dataset's pipeline with Python's, NumPy's and torch's generators
seeded from (seed, position): the same sample at the same point of the run
gets the same augmentation, whichever worker, how many workers, and whether
the run was interrupted.
"""
import random
from contextlib import contextmanager

import numpy as np
import torch
from mmengine.dataset import DefaultSampler, InfiniteSampler

from mmstm.registry import DATA_SAMPLERS


class SampleIndex(int):
    """A dataset index that carries the sample's position in the run's
    stream of samples; datasets use it as the plain index it is."""

    def __new__(cls, index, position):
        obj = super().__new__(cls, index)
        obj.position = position
        return obj

    def __reduce__(self):  # sent to dataloader workers
        return SampleIndex, (int(self), self.position)


@contextmanager
def seeded_generators(seed, position):
    """Seed Python's, NumPy's and torch's global generators from
    ``(seed, position)`` inside the block; restore the caller's after."""
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    words = np.random.SeedSequence([seed, position]).generate_state(4)
    random.seed(int(words[0]))
    np.random.seed(words[1:3])
    torch.manual_seed(int(words[3]))
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


class SeededPipeline:
    """``pipeline`` run under :func:`seeded_generators` for samples fetched
    through a :class:`SampleIndex` (their ``sample_idx``); any other sample
    runs as it would without this wrapper."""

    def __init__(self, pipeline, seed):
        self.pipeline = pipeline
        self.seed = seed

    def __call__(self, results):
        index = results.get('sample_idx') if isinstance(results, dict) \
            else None
        if not isinstance(index, SampleIndex):
            return self.pipeline(results)
        with seeded_generators(self.seed, index.position):
            return self.pipeline(results)

    def __getattr__(self, name):  # e.g. ``pipeline.transforms``
        return getattr(self.__dict__['pipeline'], name)

    def __repr__(self):
        return f'SeededPipeline(seed={self.seed}, {self.pipeline!r})'


def seed_pipeline(dataset, seed):
    """Wrap ``dataset``'s pipeline in a :class:`SeededPipeline` (once)."""
    pipeline = getattr(dataset, 'pipeline', None)
    if pipeline is None:
        raise TypeError(
            f'{type(dataset).__name__} has no pipeline of its own: the '
            'reproducible samplers seed the transforms of a dataset that '
            'fetches its samples by index (wrappers such as RepeatDataset '
            'or ConcatDataset are not supported; use DefaultSampler or '
            'InfiniteSampler, with which a resumed run is not bit-exact)')
    if not isinstance(pipeline, SeededPipeline):
        dataset.pipeline = SeededPipeline(pipeline, seed)


@DATA_SAMPLERS.register_module()
class ReproducibleSampler(DefaultSampler):
    """:class:`mmengine.dataset.DefaultSampler` (same order, same arguments)
    whose samples are augmented reproducibly, see the module docstring.
    Use it for epoch-based training: ``sampler=dict(
    type='mmstm.ReproducibleSampler', shuffle=True)``."""

    def __init__(self, dataset, shuffle=True, seed=None, round_up=True):
        super().__init__(dataset, shuffle=shuffle, seed=seed,
                         round_up=round_up)
        seed_pipeline(dataset, self.seed)

    def __iter__(self):
        first = self.epoch * self.total_size + self.rank
        for k, index in enumerate(super().__iter__()):
            yield SampleIndex(index, first + k * self.world_size)


@DATA_SAMPLERS.register_module()
class ReproducibleInfiniteSampler(InfiniteSampler):
    """:class:`mmengine.dataset.InfiniteSampler` whose samples are augmented
    reproducibly, for iteration-based training (mmengine's loop replays the
    stream up to the resumed iteration, so their positions match)."""

    def __init__(self, dataset, shuffle=True, seed=None):
        super().__init__(dataset, shuffle=shuffle, seed=seed)
        seed_pipeline(dataset, self.seed)
        self._next_position = self.rank

    def __iter__(self):
        for index in super().__iter__():
            yield SampleIndex(index, self._next_position)
            self._next_position += self.world_size
