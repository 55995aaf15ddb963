"""One entry for every checkpoint mmstm reads: a file or a URL."""
import os.path as osp

from .download import load_from_url
from .reading import checked, torch_load


def read_checkpoint(source, map_location='cpu', logger='current'):
    """The checkpoint at ``source`` (a path, ``file://`` path or http(s)
    URL, downloaded once into the cache: :mod:`.download`), read
    weights-only. A digest written by mmstm is checked and taken out; a file
    without one (an official release, an older file) is read and the log
    says it was not verified."""
    if source.startswith(('http://', 'https://')):
        return load_from_url(source, map_location, logger=logger)
    path = source[len('file://'):] if source.startswith('file://') \
        else source
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {source} not found')
    return checked(torch_load(path, map_location), source, logger)
