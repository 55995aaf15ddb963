"""One run per work directory: a second live run stops at once naming the
first (pid, host, start time); a run killed with SIGKILL does not block the
next."""
import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from mmstm.engine import WorkDirBusyError, lock_work_dir, lock_work_dir_of_run
from mmstm.engine.work_dir_lock import LOCK_NAME

from tests.conftest import REPO_ROOT, tiny_classifier_config

HOLD = ('import sys, time; from mmstm.engine import lock_work_dir; '
        'lock_work_dir(sys.argv[1]); print("held", flush=True); '
        'time.sleep(120)')


def wait_for_holder(work_dir, pid, timeout=120):
    lock = work_dir / LOCK_NAME
    deadline = time.time() + timeout
    while time.time() < deadline:
        if lock.exists() and f'pid {pid} ' in lock.read_text():
            return
        time.sleep(0.05)
    raise AssertionError(f'process {pid} never took {lock}')


def test_a_held_work_dir_names_its_holder_and_frees_when_it_is_killed(
        tmp_path):
    holder = subprocess.Popen([sys.executable, '-c', HOLD, str(tmp_path)],
                              cwd=REPO_ROOT, stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b'held'
        with pytest.raises(WorkDirBusyError) as busy:
            lock_work_dir(str(tmp_path))
        message = str(busy.value)
        assert f'pid {holder.pid} on {socket.gethostname()}, started ' \
            f'{time.strftime("%Y-%m-%d")}' in message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock_work_dir(str(tmp_path))  # the killed run's lock is gone with it


@pytest.mark.slow  # launches the tools
def test_a_second_training_into_a_live_work_dir_stops_at_once(
        demo_classification, tmp_path):
    config = tiny_classifier_config(tmp_path)
    root = demo_classification
    options = ['--cfg-options', 'train_cfg.max_epochs=1000'] + [
        f'{s}_dataloader.{key}' for s in ('train', 'val') for key in (
            f'dataset.data_root={root}', f'dataset.classes={root}/classes.txt',
            'num_workers=0', 'persistent_workers=False')]
    work_dir = tmp_path / 'work'
    command = [sys.executable, 'tools/train.py', config, '--work-dir',
               str(work_dir), *options]
    first = subprocess.Popen(command, cwd=REPO_ROOT, start_new_session=True,
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        wait_for_holder(work_dir, first.pid)
        second = subprocess.run(command, cwd=REPO_ROOT, capture_output=True,
                                text=True, timeout=300)
        assert first.poll() is None  # still training
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
    assert second.returncode != 0
    assert f'is in use by another run (pid {first.pid} on ' in second.stderr
    # stopped before building anything: no log folder of its own
    assert len([p for p in work_dir.iterdir() if p.is_dir()]) <= 1


@pytest.mark.parametrize('launcher, variable', [
    ('pytorch', 'RANK'), ('slurm', 'SLURM_PROCID'),
    ('mpi', 'OMPI_COMM_WORLD_RANK')])
def test_only_the_first_process_of_a_distributed_run_locks(
        tmp_path, monkeypatch, launcher, variable):
    monkeypatch.setenv(variable, '1')
    lock_work_dir_of_run(str(tmp_path / 'other'), launcher)
    assert not (tmp_path / 'other' / LOCK_NAME).exists()
    monkeypatch.setenv(variable, '0')
    lock_work_dir_of_run(str(tmp_path / 'first'), launcher)
    assert f'pid {os.getpid()} ' in (tmp_path / 'first' / LOCK_NAME
                                     ).read_text()
