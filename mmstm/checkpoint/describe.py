"""What a file that does not load as a checkpoint is, in words: empty, a web
page, cut short (and where), or something else.

torch saves checkpoints as zip archives: a local header and the bytes of
each record, then a directory at the end. A file cut short loses the
directory first; walking the local headers tells how far the records got.
"""
import mmap
import os.path as osp
import struct
import zipfile

ZIP_RECORD = b'PK\x03\x04'
ZIP_DESCRIPTOR = b'PK\x07\x08'
_LOCAL_HEADER = struct.Struct('<4sHHHHHIIIHH')  # 30 bytes
_HTML_STARTS = (b'<!doctype html', b'<html', b'<head', b'<body', b'<?xml')


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file that is not whole, not a checkpoint, or whose
    contents differ from those it was written with."""


def _zip64_size(extra, compressed):
    """The compressed size from a record's zip64 extra field, if any."""
    offset = 0
    while offset + 4 <= len(extra):
        tag, length = struct.unpack_from('<HH', extra, offset)
        if tag == 1 and length >= 16:
            return struct.unpack_from('<Q', extra, offset + 12)[0]
        offset += 4 + length
    return compressed


def _whole_zip(path, size):
    """Whether the zip archive's directory reads and every record it lists
    lies within the file (reads the directory only)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return all(info.header_offset + info.compress_size <= size
                       for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _record_end(data, start, flags, compressed):
    """Where a record whose bytes begin at ``start`` ends, or None if the
    file ends first. torch writes sizes after the bytes (a data
    descriptor, flag bit 3), so those records are found by their
    descriptor: its signature and the size it states."""
    if not flags & 0x8:
        return start + compressed
    found = data.find(ZIP_DESCRIPTOR, start)
    while found != -1:
        for size_format in ('<I', '<Q'):
            stated = data[found + 8:found + 8 + struct.calcsize(size_format)]
            if len(stated) == struct.calcsize(size_format) and \
                    struct.unpack(size_format, stated)[0] == found - start:
                return found + 8 + 2 * len(stated)
        found = data.find(ZIP_DESCRIPTOR, found + 1)
    return None


def zip_shortfall(path):
    """``None`` if the zip archive at ``path`` is whole; else ``(name of the
    record it ends in, or None where it ends in the directory; bytes the
    whole file has at least, or None where unknown)``."""
    size = osp.getsize(path)
    if _whole_zip(path, size):
        return None
    with open(path, 'rb') as f, \
            mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        offset = 0
        while data[offset:offset + 4] == ZIP_RECORD:
            header = data[offset:offset + _LOCAL_HEADER.size]
            if len(header) < _LOCAL_HEADER.size:
                return None, None
            fields = _LOCAL_HEADER.unpack(header)
            flags, compressed = fields[2], fields[7]
            name_length, extra_length = fields[9], fields[10]
            name_start = offset + _LOCAL_HEADER.size
            name = data[name_start:name_start + name_length].decode(
                'utf-8', 'replace')
            extra = data[name_start + name_length:
                         name_start + name_length + extra_length]
            if compressed == 0xFFFFFFFF:
                compressed = _zip64_size(extra, compressed)
            start = name_start + name_length + extra_length
            end = _record_end(data, start, flags, compressed)
            if end is None or end > size:
                return name, end
            offset = end
    return None, None


def describe_file(path, expected_size=None):
    """What the file at ``path`` is, for an error saying why it does not
    load as a checkpoint (``expected_size``: its whole length, where known,
    e.g. a server's Content-Length)."""
    size = osp.getsize(path)
    if expected_size is not None and size < expected_size:
        return f'truncated at {size} of {expected_size} bytes'
    if size == 0:
        return 'empty (0 bytes)'
    with open(path, 'rb') as f:
        head = f.read(1024)
    if head.lstrip().lower().startswith(_HTML_STARTS):
        return (f'an HTML page ({size} bytes), not a checkpoint: a server '
                'answered with a web page (a login, error or rate-limit '
                'page) instead of the file')
    if head.startswith(ZIP_RECORD):
        shortfall = zip_shortfall(path)
        if shortfall is None:
            return (f'a whole zip archive of {size} bytes whose records do '
                    'not read as a checkpoint (damaged contents, or not '
                    'saved by torch)')
        record, needed = shortfall
        where = f'inside its record {record!r}' if record else \
            'before its directory'
        at_least = f'; the whole file has at least {needed} bytes' \
            if needed else ''
        return f'truncated at {size} bytes: it ends {where}{at_least}'

    if head[:1] == b'\x80':
        return (f'a pickle of {size} bytes (torch\'s legacy format) that '
                'ends early or is damaged')
    try:
        text = head[:60].decode('utf-8')
        return f'a text file of {size} bytes, not a checkpoint: {text!r}'
    except UnicodeDecodeError:
        return (f'not a PyTorch checkpoint ({size} bytes starting '
                f'{head[:8].hex(" ")})')


def check_whole(path):
    """Raise :class:`CorruptCheckpointError` saying what the file at
    ``path`` is, when it cannot be a whole checkpoint (empty, a web page, a
    zip archive cut short, not a torch file); reads headers only."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} not found')
    with open(path, 'rb') as f:
        head = f.read(4)
    whole_zip = head == ZIP_RECORD and _whole_zip(path, osp.getsize(path))
    if not whole_zip and head[:1] != b'\x80':
        raise CorruptCheckpointError(
            f'{path} is not a readable checkpoint: it is '
            f'{describe_file(path)}.')
