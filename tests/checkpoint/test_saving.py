"""Checkpoints are written whole or not at all, through temporary names
unique to each writing process."""
import multiprocessing
import os

import pytest
import torch
from mmengine.fileio import get_file_backend

from mmstm.checkpoint import (ATOMIC_BACKEND, AtomicLocalBackend,
                              read_checkpoint, save_checkpoint)


def test_a_failed_save_leaves_nothing_behind(tmp_path):
    save_checkpoint({'state_dict': {'w': torch.ones(3)}},
                    str(tmp_path / 'ok.pth'))
    with pytest.raises(Exception):
        save_checkpoint({'unpicklable': lambda: None},
                        str(tmp_path / 'bad.pth'))
    assert sorted(p.name for p in tmp_path.iterdir()) == ['ok.pth']


def _save_repeatedly(path, value, rounds):
    for _ in range(rounds):
        save_checkpoint({'state_dict': {'w': torch.full((20000, ), value)}},
                        path)


def test_two_processes_saving_one_name_never_collide(tmp_path):
    path = str(tmp_path / 'epoch_1.pth')
    context = multiprocessing.get_context('spawn')
    writers = [context.Process(target=_save_repeatedly, args=(path, v, 30))
               for v in (1.0, 2.0)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
    assert [w.exitcode for w in writers] == [0, 0]
    weights = read_checkpoint(path)['state_dict']['w']
    assert weights.unique().numel() == 1  # one writer's file, whole
    assert os.listdir(tmp_path) == ['epoch_1.pth']


def test_the_runner_backend_writes_atomically(tmp_path):
    backend = get_file_backend(str(tmp_path),
                               backend_args=dict(backend=ATOMIC_BACKEND))
    assert isinstance(backend, AtomicLocalBackend)
    backend.put(b'abc', tmp_path / 'a.bin')
    backend.put_text('latest', tmp_path / 'last_checkpoint')
    assert (tmp_path / 'a.bin').read_bytes() == b'abc'
    assert sorted(os.listdir(tmp_path)) == ['a.bin', 'last_checkpoint']
