"""Saves the random number generators with each checkpoint and restores them
on resume, so an interrupted run continues exactly as an uninterrupted one.

mmengine re-seeds on resume, which replays the random stream of epoch 1
(drop path, mixup) instead of continuing it. Two more things would shift the
stream: every dataloader iterator draws its base seed from torch's global
generator when it is created (the validation loader after a checkpoint, the
training loader again after a resume), so each loader gets a generator of
its own; and dataloader workers carry generators of their own, which the
samplers of :mod:`mmstm.datasets.reproducible` make irrelevant.
"""
import random

import numpy as np
import torch
from mmengine.dist import all_gather_object, get_rank
from mmengine.hooks import CheckpointHook, Hook

from mmstm.registry import HOOKS

KEY = 'rng_state'


def capture_rng_state():
    """Python, numpy and torch (CPU and CUDA) generator states in plain
    containers and tensors, loadable with ``weights_only=True``."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=(kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss,
               cached),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def restore_rng_state(state):
    random.setstate(state['python'])
    kind, keys, pos, has_gauss, cached = state['numpy']
    np.random.set_state(
        (kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])


def loaders(runner):
    """The dataloaders of the runner's training and validation loops."""
    for name in ('train_loop', 'val_loop'):
        loop = getattr(runner, f'_{name}', None)
        loader = getattr(loop, 'dataloader', None)
        if isinstance(loader, torch.utils.data.DataLoader):
            yield loader


def checkpoint_due(runner, by_epoch):
    """Whether the runner's CheckpointHook saves at the end of this epoch
    (``by_epoch``) or iteration, by its own rules."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and hook.by_epoch == by_epoch:
            if by_epoch:
                return hook.every_n_epochs(runner, hook.interval,
                                           hook.save_begin) or (
                    hook.save_last and hook.is_last_train_epoch(runner))
            return hook.every_n_train_iters(runner, hook.interval,
                                            hook.save_begin) or (
                hook.save_last and hook.is_last_train_iter(runner))
    return False


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Add ``custom_hooks=[dict(type='mmstm.RandomStateHook')]`` to a config
    (the mmstm bases do) to make ``--resume`` from an epoch or iteration
    checkpoint bit-exact, with the samplers of
    :mod:`mmstm.datasets.reproducible` (on CPU; cuDNN may still differ on
    GPU). Every process's generators are saved: a distributed run resumes
    exactly with the same number of processes, and re-seeds otherwise.
    """

    # before CheckpointHook (VERY_LOW): only rank 0 saves, so the states of
    # all ranks are gathered while every rank still takes part
    priority = 'LOW'

    def __init__(self):
        self._gathered = None  # (iteration, states of every rank)

    def before_train(self, runner):
        for i, loader in enumerate(loaders(runner)):
            loader.generator = torch.Generator().manual_seed(i)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None):
        if runner.world_size > 1 and checkpoint_due(runner, by_epoch=False):
            self._gather(runner)

    def after_train_epoch(self, runner):
        if runner.world_size > 1 and checkpoint_due(runner, by_epoch=True):
            self._gather(runner)

    def _gather(self, runner):
        self._gathered = (runner.iter, all_gather_object(capture_rng_state()))

    def before_save_checkpoint(self, runner, checkpoint):
        if runner.world_size == 1:
            states = [capture_rng_state()]
        elif self._gathered and self._gathered[0] == runner.iter:
            states = self._gathered[1]
        else:  # e.g. a best checkpoint after validation
            return
        checkpoint[KEY] = dict(world_size=runner.world_size, states=states)

    def after_load_checkpoint(self, runner, checkpoint):
        saved = checkpoint.get(KEY)
        # Only a resume continues the saved run; load_from starts a new one.
        if not runner._resume or saved is None:
            return
        if saved['world_size'] != runner.world_size:
            runner.logger.info(
                f'The checkpoint holds the random states of '
                f'{saved["world_size"]} processes, this run has '
                f'{runner.world_size}: re-seeding instead of restoring.')
            return
        # checkpoints of mmstm < 0.3 hold one process's state
        states = saved['states'] if 'states' in saved else [saved['state']]
        restore_rng_state(states[get_rank()])
