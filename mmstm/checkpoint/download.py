"""Checkpoints fetched over HTTP(S) into the torch hub cache, once.

A file enters the cache only whole: it is written beside its final name,
its length is checked against the server's ``Content-Length`` and its
SHA-256 against the prefix in its name where the name carries one (torch
hub's ``name-<sha256 prefix>.pth`` convention), it is read as a checkpoint,
and only then renamed into place. Cache files get the mode the umask gives
(readable by the other users of a shared cache, as torch hub's are). While a
download runs, its partial file is locked; the next download of the same URL
removes the partial files no live download holds (left by a killed one).
"""
import fcntl
import glob
import hashlib
import os
import os.path as osp
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import torch
from mmengine.dist import barrier, get_dist_info

from .describe import CorruptCheckpointError
from .reading import checked, torch_load

# torch hub's convention: the digits after the last '-' of the file name
# start the file's SHA-256
HASH_IN_NAME = re.compile(r'-([a-f0-9]{8,64})\.')
CHUNK = 1 << 20
PARTIAL_SUFFIX = '.partial'


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


def remove_abandoned_partials(path):
    """Remove the partial downloads of ``path`` that no live process holds
    (a download killed before it could clean up); returns their names."""
    removed = []
    for partial in glob.glob(glob.escape(path) + '.*' + PARTIAL_SUFFIX):
        try:
            with open(partial, 'rb') as f:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.remove(partial)
                removed.append(partial)
        except (BlockingIOError, FileNotFoundError):
            continue  # being written by a live download, or just finished
    return removed


def _fetch(url, out):
    """Write ``url``'s body to the open file ``out``; returns ``(bytes
    written, sha256 hex, Content-Length or None)``."""
    digest = hashlib.sha256()
    written = 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            expected = response.headers.get('Content-Length')
            while True:
                chunk = response.read(CHUNK)
                if not chunk:
                    break
                out.write(chunk)
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


def _download_into(url, path, partial, map_location, logger):
    """Fetch ``url`` into ``partial`` (held locked), check it and rename it
    to ``path``; returns the checkpoint read."""
    # locked before it has the name the clean-up looks for
    hidden = osp.join(osp.dirname(partial), f'.{uuid.uuid4().hex}.creating')
    with open(hidden, 'xb') as out:  # mode from the umask
        fcntl.flock(out, fcntl.LOCK_EX)
        os.rename(hidden, partial)
        written, sha256, expected = _fetch(url, out)
        out.flush()
        os.fsync(out.fileno())
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
            checkpoint = checked(
                torch_load(partial, map_location, name=url,
                           expected_size=expected), url, logger)
        except CorruptCheckpointError as error:
            raise DownloadError(str(error)) from None
        os.replace(partial, path)
    return checkpoint


def download_checkpoint(url, model_dir=None, map_location=None,
                        logger='current'):
    """Fetch ``url`` into the cache unless it is there, and read it
    weights-only (its digest checked, where it has one). Raises
    :class:`DownloadError` (nothing cached) for a failed, short, mis-hashed
    or unreadable download."""
    path = cached_path(url, model_dir)
    if osp.isfile(path):
        return checked(torch_load(path, map_location), path, logger)
    os.makedirs(osp.dirname(path), exist_ok=True)
    remove_abandoned_partials(path)
    partial = f'{path}.{uuid.uuid4().hex}{PARTIAL_SUFFIX}'
    try:
        return _download_into(url, path, partial, map_location, logger)
    finally:
        if osp.exists(partial):
            os.remove(partial)


def load_from_url(url, map_location=None, model_dir=None, logger='current'):
    """:func:`download_checkpoint` where, in a distributed job, rank 0
    downloads while the others wait at a barrier and then read the cache."""
    rank, world_size = get_dist_info()
    if rank == 0:
        checkpoint = download_checkpoint(url, model_dir, map_location, logger)
    if world_size > 1:
        barrier()
        if rank > 0:
            checkpoint = download_checkpoint(url, model_dir, map_location,
                                             logger)
    return checkpoint
