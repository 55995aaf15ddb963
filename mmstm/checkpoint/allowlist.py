"""What a weights-only load may rebuild besides tensors and containers.

torch (>= 2.6) loads checkpoints weights-only by default, and mmengine's
loaders inherit that. mmengine's own training state holds a few objects
beyond tensors: numpy arrays and ``HistoryBuffer`` (whose pickle refers to
its statistics methods through ``getattr``). Those exact objects are added to
torch's allowlist (``torch.serialization.add_safe_globals``, torch's
extension point for this); ``getattr`` is allowed only as a resolver that
hands out registered ``HistoryBuffer`` statistics, so a file reaches nothing
else.
"""
import argparse

import numpy as np
import torch
from mmengine.logging.history_buffer import HistoryBuffer

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


def allow_training_state():
    """Allow mmengine's training state in weights-only loads (idempotent:
    torch keeps the allowlist as a set)."""
    torch.serialization.add_safe_globals(safe_globals())
