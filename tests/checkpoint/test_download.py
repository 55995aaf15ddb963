"""Checkpoints from URLs: fetched once into the torch hub cache, readable
by the cache's other users; a failed, short, mis-hashed or non-checkpoint
download caches nothing, and a killed one leaves nothing for long."""
import hashlib
import os
import signal
import stat
import subprocess
import sys
import time

import pytest
import torch

from mmstm.checkpoint import DownloadError, download_checkpoint

from tests.conftest import REPO_ROOT


@pytest.fixture(scope='module')
def checkpoint_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'weights.pth'
    torch.save({'state_dict': {'w': torch.arange(6.).reshape(2, 3)}}, path)
    return str(path)


def test_fetched_once_then_read_from_the_cache(loopback, hub_cache,
                                               checkpoint_file):
    url = loopback.put(checkpoint_file, 'once.pth')
    first = download_checkpoint(url, map_location='cpu')
    second = download_checkpoint(url, map_location='cpu')
    assert loopback.requests['/once.pth'] == 1
    assert os.listdir(hub_cache) == ['once.pth']
    for loaded in (first, second):
        assert torch.equal(loaded['state_dict']['w'],
                           torch.arange(6.).reshape(2, 3))


@pytest.mark.parametrize('path, message', [
    ('missing.pth', 'HTTP 404'),
    ('truncated/short.pth', 'stopped at'),
])
def test_a_failed_download_caches_nothing(loopback, hub_cache,
                                          checkpoint_file, path, message):
    loopback.put(checkpoint_file, 'short.pth')
    with pytest.raises(DownloadError, match=message):
        download_checkpoint(f'{loopback.url}/{path}')
    assert not os.path.exists(hub_cache) or os.listdir(hub_cache) == []


def test_a_file_that_is_no_checkpoint_is_refused(loopback, hub_cache,
                                                 tmp_path):
    page = tmp_path / 'page.pth'
    page.write_text('<html>rate limited</html>')
    with pytest.raises(DownloadError, match='is not a readable checkpoint'):
        download_checkpoint(loopback.put(str(page), 'page.pth'))
    assert os.listdir(hub_cache) == []


def test_the_hash_in_a_file_name_is_checked(loopback, hub_cache,
                                            checkpoint_file):
    with open(checkpoint_file, 'rb') as f:
        sha256 = hashlib.sha256(f.read()).hexdigest()
    good = loopback.put(checkpoint_file, f'model-{sha256[:8]}.pth')
    assert 'state_dict' in download_checkpoint(good)
    bad_hash = 'f' * 8 if not sha256.startswith('f' * 8) else '0' * 8
    with pytest.raises(DownloadError, match='SHA-256'):
        download_checkpoint(loopback.put(checkpoint_file,
                                         f'model-{bad_hash}.pth'))
    assert os.listdir(hub_cache) == [f'model-{sha256[:8]}.pth']


def test_cached_files_get_the_mode_of_the_umask(loopback, hub_cache,
                                                checkpoint_file):
    url = loopback.put(checkpoint_file, 'shared.pth')
    previous = os.umask(0o022)
    try:
        download_checkpoint(url)
    finally:
        os.umask(previous)
    mode = stat.S_IMODE(os.stat(os.path.join(hub_cache, 'shared.pth')).st_mode)
    assert mode == 0o644  # readable by the other users of a shared cache


def test_a_killed_download_leaves_nothing_after_the_next(loopback, hub_cache,
                                                         checkpoint_file):
    url = loopback.put(checkpoint_file, 'killed.pth')
    stalled = subprocess.Popen(
        [sys.executable, '-c', 'import sys; from mmstm.checkpoint import '
         'download_checkpoint; download_checkpoint(sys.argv[1], sys.argv[2])',
         f'{loopback.url}/stalled/killed.pth', hub_cache], cwd=REPO_ROOT)
    deadline = time.time() + 120
    while time.time() < deadline and not (
            os.path.isdir(hub_cache) and any(
                n.endswith('.partial') for n in os.listdir(hub_cache))):
        time.sleep(0.05)
    try:
        (partial, ) = os.listdir(hub_cache)
        # a live download's partial file is left alone ...
        from mmstm.checkpoint.download import remove_abandoned_partials
        assert remove_abandoned_partials(os.path.join(hub_cache,
                                                      'killed.pth')) == []
    finally:
        stalled.send_signal(signal.SIGKILL)
        stalled.wait()
    assert os.listdir(hub_cache) == [partial]  # what SIGKILL leaves
    # ... and a dead one's goes with the next download of the URL
    download_checkpoint(url)
    assert os.listdir(hub_cache) == ['killed.pth']
