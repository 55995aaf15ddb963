"""Checkpoint loading that never executes code from the file.

Every checkpoint mmengine reads (``load_from``, ``--resume``,
``init_cfg=dict(type='Pretrained')``) goes through ``torch.load`` with
``weights_only=True``. mmengine's own training state holds a few objects
beyond tensors and containers: numpy arrays and ``HistoryBuffer`` (whose
pickle refers to its statistics methods through ``getattr``). Those exact
objects are allowlisted; ``getattr`` is replaced by a resolver that only
hands out registered ``HistoryBuffer`` statistics, so a file cannot reach
anything else.
"""
import argparse
import os.path as osp
import warnings

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

_registered = False
# HistoryBuffer registers these four in its constructor; others via
# HistoryBuffer.register_statistics are looked up at load time.
_BUILTIN_STATISTICS = ('min', 'max', 'current', 'mean')


def history_buffer_statistic(owner, name):
    """Stand-in for ``getattr`` while unpickling: only ``HistoryBuffer``'s
    registered statistics methods are reachable."""
    allowed = set(_BUILTIN_STATISTICS) | set(HistoryBuffer._statistics_methods)
    if owner is HistoryBuffer and name in allowed:
        return getattr(HistoryBuffer, name)
    raise RuntimeError(f'checkpoint asks for {owner!r}.{name}, which is not '
                       'an allowed HistoryBuffer statistic')


def _numpy_globals():
    """numpy's array/scalar reconstruction, under its 1.x and 2.x paths."""
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray
    entries = [np.ndarray, np.dtype]
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries += [(multiarray._reconstruct, f'{module}._reconstruct'),
                    (multiarray.scalar, f'{module}.scalar')]
    entries += [type(np.dtype(t)) for t in
                ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8',
                 'float16', 'float32', 'float64')
                if type(np.dtype(t)) is not np.dtype]
    return entries


def safe_globals():
    """The allowlist given to ``torch.serialization.add_safe_globals``."""
    return _numpy_globals() + [
        HistoryBuffer, argparse.Namespace,
        (history_buffer_statistic, 'builtins.getattr'),
    ]


# what torch says of a file cut short or not a checkpoint at all
_CORRUPT_SIGNS = ('PytorchStreamReader failed', 'invalid load key',
                  'pickle data was truncated', 'Ran out of input',
                  'Unsupported operand')  # bytes that are no pickle at all


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file that is truncated or not a checkpoint."""


def _corrupt_checkpoint(filename, error):
    size = osp.getsize(filename) if isinstance(filename, str) and \
        osp.isfile(filename) else None
    return CorruptCheckpointError(
        f'{filename} is truncated or corrupt'
        + (f' ({size} bytes)' if size is not None else '')
        + ': it cannot be read as a checkpoint. A run killed while saving, '
        'an interrupted download or copy leaves such a file. Delete it and '
        'resume from an earlier checkpoint (--resume path/to/epoch_N.pth), '
        f'or fetch the file again.\nDetails: {type(error).__name__}: '
        f'{error}')


def load_weights_only(filename, map_location=None):
    """``torch.load(weights_only=True)`` with errors that say what to do: a
    truncated or corrupt file, or one that holds more than weights."""
    try:
        return torch.load(filename, map_location=map_location,
                          weights_only=True)
    except Exception as error:
        # (a bare OSError: torch's zip reader on some truncations)
        if isinstance(error, EOFError) or type(error) is OSError or any(
                sign in str(error) for sign in _CORRUPT_SIGNS):
            raise _corrupt_checkpoint(filename, error) from error
        if 'Weights only load failed' not in str(error):
            raise
        raise RuntimeError(
            f'Refusing to unpickle {filename}: it holds objects beyond '
            'tensors, containers and mmengine training state, and loading '
            'them could run code from the file. If you trust it, re-save '
            'just its state dict (torch.save(ckpt["state_dict"], path)) and '
            f'load that.\nDetails: {error}') from error


def _load_from_local(filename, map_location=None):
    filename = filename[len('file://'):] if filename.startswith(
        'file://') else filename
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return load_weights_only(filename, map_location)


def register_safe_checkpoint_loading():
    """Allowlist mmengine's training state and route mmengine's local and
    http(s) checkpoint loaders through ``weights_only=True`` (downloads
    through :mod:`.download`). Idempotent."""
    global _registered
    if _registered:
        return
    from .download import load_from_http_cache
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(safe_globals())
    else:
        warnings.warn(
            f'torch {torch.__version__} cannot allowlist mmengine training '
            'state for weights_only loading: --resume and load_from of '
            'mmengine checkpoints need torch >= 2.4.')
    CheckpointLoader.register_scheme(prefixes='', force=True)(
        _load_from_local)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), force=True)(load_from_http_cache)
    _registered = True
