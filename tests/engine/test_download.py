"""Checkpoints from URLs: fetched once into the torch hub cache, and a
failed, short, mis-hashed or non-checkpoint download caches nothing."""
import hashlib
import os

import pytest
import torch
from mmengine.runner.checkpoint import CheckpointLoader

import mmstm  # noqa: F401  (routes mmengine's http loader)
from mmstm.engine.download import DownloadError, download_checkpoint


@pytest.fixture(scope='module')
def checkpoint_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('ckpt') / 'weights.pth'
    torch.save({'state_dict': {'w': torch.arange(6.).reshape(2, 3)}}, path)
    return str(path)


def test_fetched_once_then_read_from_the_cache(loopback, hub_cache,
                                               checkpoint_file):
    url = loopback.put(checkpoint_file, 'once.pth')
    first = CheckpointLoader.load_checkpoint(url, map_location='cpu')
    second = CheckpointLoader.load_checkpoint(url, map_location='cpu')
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
    with pytest.raises(DownloadError, match='no checkpoint'):
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
