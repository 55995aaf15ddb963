"""Checkpoints fetched over HTTP(S) into the torch hub cache, once.

A file enters the cache only whole: it is written beside its final name,
its length is checked against the server's ``Content-Length`` and its
SHA-256 against the prefix in its name where the name carries one (torch
hub's ``name-<sha256 prefix>.pth`` convention), it is read as a checkpoint,
and only then renamed into place. An interrupted or truncated download, an
HTTP error or a file that is no checkpoint leaves nothing behind.
"""
import hashlib
import os
import os.path as osp
import re
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import torch
from mmengine.dist import barrier, get_dist_info

from .safe_checkpoint import CorruptCheckpointError, load_weights_only

# torch hub's convention: the digits after the last '-' of the file name
# start the file's SHA-256
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})\.')
CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A checkpoint URL that could not be fetched whole."""


def cache_dir(model_dir=None):
    """Where downloaded checkpoints live: ``model_dir`` or torch hub's."""
    return model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')


def cached_path(url, model_dir=None):
    """The cache file of ``url`` (its last path component)."""
    name = osp.basename(urllib.parse.urlparse(url).path)
    if not name:
        raise DownloadError(f'{url} names no file')
    return osp.join(cache_dir(model_dir), name)


def _fetch(url, partial):
    """Write ``url``'s body to the open file ``partial``; returns
    ``(bytes written, sha256 hex, Content-Length or None)``."""
    digest = hashlib.sha256()
    written = 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            expected = response.headers.get('Content-Length')
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                partial.write(chunk)
                digest.update(chunk)
                written += len(chunk)
    except urllib.error.HTTPError as error:
        raise DownloadError(
            f'could not download {url}: HTTP {error.code} {error.reason}'
        ) from error
    except (urllib.error.URLError, OSError) as error:
        raise DownloadError(f'could not download {url}: {error}') from error
    return written, digest.hexdigest(), \
        int(expected) if expected is not None else None


def download_checkpoint(url, model_dir=None, map_location=None):
    """Fetch ``url`` into the cache unless it is there, and load it
    weights-only. Raises :class:`DownloadError` (nothing cached) for a
    failed, short or mis-hashed download."""
    path = cached_path(url, model_dir)
    if osp.isfile(path):
        return load_weights_only(path, map_location)
    os.makedirs(osp.dirname(path), exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=osp.dirname(path),
                                       prefix=osp.basename(path) + '.',
                                       suffix='.partial')
    try:
        with os.fdopen(handle, 'wb') as out:
            written, sha256, expected = _fetch(url, out)
        if expected is not None and written != expected:
            raise DownloadError(
                f'download of {url} stopped at {written} of {expected} '
                'bytes; try again')
        known = HASH_IN_NAME.search(osp.basename(path))
        if known and not sha256.startswith(known.group(1)):
            raise DownloadError(
                f'{url}: SHA-256 {sha256} does not start with '
                f'{known.group(1)}, as its name says it must')
        try:
            checkpoint = load_weights_only(partial, map_location)
        except CorruptCheckpointError as error:
            raise DownloadError(f'{url} is no checkpoint: {error}') from error
        os.replace(partial, path)
        return checkpoint
    finally:
        if osp.exists(partial):
            os.remove(partial)


def load_from_http_cache(url, map_location=None, model_dir=None):
    """:func:`download_checkpoint` where, in a distributed job, rank 0
    downloads while the others wait at a barrier and then read the cache."""
    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = download_checkpoint(url, model_dir, map_location)
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = download_checkpoint(url, model_dir, map_location)
    return checkpoint
