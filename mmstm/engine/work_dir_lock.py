"""One run per work directory.

Two runs writing into one work directory overwrite each other's
checkpoints, ``last_checkpoint`` and logs. A run holds an exclusive lock on
``<work_dir>/.mmstm-run.lock`` (``flock``: the kernel releases it when the
process ends, however it ends, so a killed run never blocks the next) and
writes who it is into the file, which a second run quotes when it stops.
"""
import fcntl
import os
import os.path as osp
import socket
import time
import warnings

LOCK_NAME = '.mmstm-run.lock'
# where each launcher puts the global rank before mmengine starts
RANK_VARIABLES = {'pytorch': 'RANK', 'slurm': 'SLURM_PROCID',
                  'mpi': 'OMPI_COMM_WORLD_RANK'}
_held = {}  # work dir -> open lock file, for the life of the process


class WorkDirBusyError(RuntimeError):
    """Another live run holds the work directory."""


def lock_work_dir(work_dir):
    """Hold ``work_dir`` for this process until it exits; raises
    :class:`WorkDirBusyError` naming the run (pid, host, start time) that
    holds it. Idempotent within a process."""
    work_dir = osp.abspath(work_dir)
    if work_dir in _held:
        return
    os.makedirs(work_dir, exist_ok=True)
    path = osp.join(work_dir, LOCK_NAME)
    lock = open(path, 'a+')
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.seek(0)
        holder = lock.read().strip() or 'a run that has not yet said who'
        lock.close()
        raise WorkDirBusyError(
            f'{work_dir} is in use by another run ({holder}). Wait for it '
            'to end, stop it, or give this run another --work-dir.'
        ) from None
    except OSError as error:  # a file system without locks (some NFS)
        lock.close()
        warnings.warn(f'cannot lock {path} ({error}): a second run into '
                      f'{work_dir} would not be stopped')
        return
    lock.seek(0)
    lock.truncate()
    lock.write(f'pid {os.getpid()} on {socket.gethostname()}, started '
               f'{time.strftime("%Y-%m-%d %H:%M:%S %Z")}\n')
    lock.flush()
    _held[work_dir] = lock


def lock_work_dir_of_run(work_dir, launcher='none'):
    """:func:`lock_work_dir` in the process of global rank 0 of a run
    started with ``launcher`` (the other processes belong to the same
    run)."""
    variable = RANK_VARIABLES.get(launcher)
    if variable is None or int(os.environ.get(variable, 0)) == 0:
        lock_work_dir(work_dir)
