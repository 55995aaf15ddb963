"""Saves the random number generators with each checkpoint and restores them
on resume, so an interrupted run continues exactly as an uninterrupted one.

mmengine re-seeds on resume, which replays the random stream of epoch 1
(drop path, augmentation, mixup) instead of continuing it.
"""
import random

import numpy as np
import torch
from mmengine.hooks import Hook

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


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Add ``custom_hooks=[dict(type='mmstm.RandomStateHook')]`` to a config
    to make ``--resume`` bit-exact (on CPU; cuDNN may still differ on GPU).

    Only rank 0 writes checkpoints, so only single-process runs can be
    continued exactly; distributed runs keep mmengine's re-seeding.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint):
        checkpoint[KEY] = dict(world_size=runner.world_size,
                               state=capture_rng_state())

    def after_load_checkpoint(self, runner, checkpoint):
        saved = checkpoint.get(KEY)
        # Only a resume continues the saved run; load_from starts a new one.
        if not runner._resume or saved is None:
            return
        if saved['world_size'] != 1 or runner.world_size != 1:
            runner.logger.info('Random states are restored for '
                               'single-process runs only; re-seeding.')
            return
        restore_rng_state(saved['state'])
