"""Reading a checkpoint file or URL: weights-only, its digest checked, and
errors that say what the file is."""
import torch
from mmengine.logging import print_log

from .describe import CorruptCheckpointError, describe_file
from .digest import check_digest

# torch's words for a file it cannot parse (cut short, or no checkpoint)
_UNREADABLE_SIGNS = ('PytorchStreamReader failed', 'invalid load key',
                     'pickle data was truncated', 'Ran out of input',
                     'Unsupported operand', 'unpickling stack underflow',
                     'failed finding central directory')


def _refused_global(error):
    """The line of torch's weights-only refusal that names what the file
    asked for (its other lines suggest ``weights_only=False``)."""
    for line in str(error).splitlines():
        if 'GLOBAL' in line or 'Unsupported' in line:
            return line.strip()
    return str(error).splitlines()[0]


def torch_load(path, map_location=None, name=None, expected_size=None):
    """``torch.load(path, weights_only=True)`` with errors that name
    ``name`` (default: ``path``; e.g. the URL a download came from) and say
    what the file is."""
    name = name or path
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except Exception as error:
        # (a bare OSError: torch's zip reader on some truncations)
        if isinstance(error, (EOFError, UnicodeDecodeError)) or \
                type(error) is OSError or any(
                    sign in str(error) for sign in _UNREADABLE_SIGNS):
            raise CorruptCheckpointError(
                f'{name} is not a readable checkpoint: it is '
                f'{describe_file(path, expected_size)}.') from None
        if 'Weights only load failed' in str(error):
            raise CorruptCheckpointError(
                f'refusing to read {name}: it holds objects beyond tensors, '
                'containers and mmengine training state, and rebuilding '
                f'them could run code from the file ({_refused_global(error)}'
                '). If you trust the file, save just its weights '
                '(torch.save(checkpoint["state_dict"], path)) and read '
                'that.') from None
        raise


def checked(checkpoint, name, logger='current'):
    """``checkpoint`` (read from ``name``) with its digest checked and
    taken out; logs when it had none."""
    if not check_digest(checkpoint, name):
        print_log(f'{name} carries no mmstm content digest (an official '
                  'release or a file written elsewhere): read without '
                  'verifying its contents', logger=logger)
    return checkpoint
