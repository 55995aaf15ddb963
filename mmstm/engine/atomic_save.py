"""Checkpoints written atomically.

mmengine writes a checkpoint straight to its final name, so a run killed
while saving leaves a truncated ``epoch_N.pth`` behind. mmstm's runs write to
``<name>.tmp`` and rename it when complete (a rename within a directory is
atomic), so a checkpoint file is whole or absent; ``last_checkpoint``, which
``--resume`` follows, is written by mmengine only after the save returns.
"""
import os

import mmengine.runner.runner as mmengine_runner

_mmengine_save_checkpoint = mmengine_runner.save_checkpoint


def save_checkpoint_atomically(checkpoint, filename, file_client_args=None,
                               backend_args=None):
    """mmengine's ``save_checkpoint``, through a temporary file for local
    paths (remote back ends keep their own semantics)."""
    remote = '://' in str(filename) or file_client_args or backend_args
    if remote:
        return _mmengine_save_checkpoint(checkpoint, filename,
                                         file_client_args, backend_args)
    partial = f'{filename}.tmp'
    try:
        _mmengine_save_checkpoint(checkpoint, partial)
        os.replace(partial, filename)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def register_atomic_checkpoint_saving():
    """Route the runner's checkpoint saving through
    :func:`save_checkpoint_atomically`. Idempotent."""
    mmengine_runner.save_checkpoint = save_checkpoint_atomically
