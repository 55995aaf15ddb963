"""A digest of a checkpoint's contents, carried inside it.

torch checks no checksum when it loads a file, so bytes flipped inside a
tensor's data (by a disk, a copy or a transfer) load silently. mmstm writes
the SHA-256 of everything in a checkpoint (every tensor's dtype, shape and
bytes, every other value, in order) under :data:`DIGEST_KEY`, and checks it
when the file is read back. The digest is of the contents, not of the file's
bytes, so it does not depend on how torch lays the archive out, and a
checkpoint moved to another device hashes the same.
"""
import hashlib

import numpy as np
import torch

from .describe import CorruptCheckpointError

DIGEST_KEY = 'mmstm_content_sha256'


def _feed(digest, value):
    """Hash ``value`` into ``digest``: a type tag, then its contents."""
    update = digest.update
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu().contiguous().reshape(-1)
        update(f'T{value.dtype}{tuple(value.shape)}'.encode())
        update(tensor.view(torch.uint8).numpy().data)
    elif isinstance(value, np.ndarray) and value.dtype != object:
        update(f'A{value.dtype.str}{value.shape}'.encode())
        update(np.ascontiguousarray(value).view(np.uint8).data)
    elif isinstance(value, np.generic):
        update(f'N{value.dtype.str}'.encode() + value.tobytes())
    elif isinstance(value, dict):
        update(f'D{type(value).__name__}{len(value)}'.encode())
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
    elif isinstance(value, (list, tuple, np.ndarray)):
        update(f'L{type(value).__name__}{len(value)}'.encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, (set, frozenset)):
        update(f'S{len(value)}'.encode())
        for item in sorted(value, key=repr):
            _feed(digest, item)
    elif isinstance(value, str):
        encoded = value.encode('utf-8', 'surrogatepass')
        update(f's{len(encoded)}:'.encode() + encoded)
    elif isinstance(value, bytes):
        update(f'b{len(value)}:'.encode() + value)
    elif value is None or isinstance(value, (bool, int, float, complex)):
        update(f'v{value!r};'.encode())
    elif hasattr(value, '__dict__'):  # e.g. mmengine's HistoryBuffer
        kind = type(value)
        update(f'O{kind.__module__}.{kind.__qualname__}'.encode())
        # what pickling keeps of it (HistoryBuffer drops its methods)
        getstate = getattr(value, '__getstate__', None)
        _feed(digest, getstate() if getstate else vars(value))
    else:  # dtypes, devices and such: their repr is what they are
        update(f'r{type(value).__qualname__}{value!r};'.encode())


def content_digest(checkpoint):
    """The SHA-256 (hex) of ``checkpoint``'s contents, the digest entry
    itself left out."""
    digest = hashlib.sha256()
    if isinstance(checkpoint, dict):
        checkpoint = {key: value for key, value in checkpoint.items()
                      if key != DIGEST_KEY}
    _feed(digest, checkpoint)
    return digest.hexdigest()


def add_digest(checkpoint):
    """Put the digest of ``checkpoint`` (a dict) into it; returns it."""
    if not isinstance(checkpoint, dict):
        raise TypeError(f'a checkpoint to digest must be a dict, got '
                        f'{type(checkpoint).__name__}')
    checkpoint[DIGEST_KEY] = content_digest(checkpoint)
    return checkpoint


def check_digest(checkpoint, name):
    """Check the digest ``checkpoint`` carries and take it out. Returns
    whether there was one to check (official releases and files not written
    by mmstm carry none); raises :class:`CorruptCheckpointError`, naming
    ``name``, when the contents differ from those the file was written
    with."""
    if not isinstance(checkpoint, dict) or DIGEST_KEY not in checkpoint:
        return False
    expected = checkpoint.pop(DIGEST_KEY)
    actual = content_digest(checkpoint)
    if actual != expected:
        raise CorruptCheckpointError(
            f'{name} is damaged: its contents no longer match the SHA-256 '
            f'written with them ({actual[:16]}... instead of '
            f'{expected[:16]}...). Bytes changed on disk or in a copy or '
            'transfer; use another copy of the file.')
    return True
