"""Checkpoints written whole or not at all.

A file is written under a temporary name unique to the writing process
(``<name>.<pid>-<random>.tmp``, so two writers never share one), flushed to
disk, and renamed to its name (a rename within a directory is atomic): a
reader sees the old file or the new one, never a part.
"""
import io
import os
import os.path as osp
import uuid

import torch
from mmengine.fileio import LocalBackend, register_backend

from .digest import add_digest

ATOMIC_BACKEND = 'mmstm_atomic_local'


def write_atomically(data, path):
    """Write ``data`` (bytes) to ``path`` through a unique temporary file."""
    directory = osp.dirname(osp.abspath(path))
    os.makedirs(directory, exist_ok=True)
    temporary = f'{path}.{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp'
    try:
        with open(temporary, 'xb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    finally:
        if osp.exists(temporary):
            os.remove(temporary)


def save_checkpoint(checkpoint, path):
    """Save ``checkpoint`` (a dict) to ``path`` atomically, with the digest
    of its contents (:mod:`.digest`)."""
    buffer = io.BytesIO()
    torch.save(add_digest(dict(checkpoint)), buffer)
    write_atomically(buffer.getbuffer(), path)


@register_backend(ATOMIC_BACKEND)
class AtomicLocalBackend(LocalBackend):
    """mmengine's local file backend whose writes are atomic. A runner's
    checkpoints go through it when the checkpoint hook is given
    ``backend_args=dict(backend='mmstm_atomic_local')`` (as
    ``mmstm.SafeCheckpointHook`` is by default)."""

    def put(self, obj, filepath):
        write_atomically(obj, str(filepath))

    def put_text(self, obj, filepath, encoding='utf-8'):
        write_atomically(obj.encode(encoding), str(filepath))
