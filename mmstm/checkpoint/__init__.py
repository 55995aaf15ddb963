"""Checkpoints: reading (weights-only, digest checked), downloading into the
torch hub cache, atomic saving with a content digest, the paper's official
key layout, and the raw/EMA choice. The bottom floor of mmstm: it imports
no other mmstm package."""
from .allowlist import allow_training_state
from .describe import CorruptCheckpointError, check_whole, describe_file
from .digest import DIGEST_KEY, add_digest, check_digest, content_digest
from .download import DownloadError, download_checkpoint, load_from_url
from .reading import checked, torch_load
from .saving import (ATOMIC_BACKEND, AtomicLocalBackend, save_checkpoint,
                     write_atomically)
from .sources import read_checkpoint
from .weights_choice import (DEFAULT_WEIGHTS, WEIGHTS, WeightsChoiceError,
                             choose_weights)

__all__ = ['ATOMIC_BACKEND', 'AtomicLocalBackend', 'CorruptCheckpointError',
           'DEFAULT_WEIGHTS', 'DIGEST_KEY', 'DownloadError', 'WEIGHTS',
           'WeightsChoiceError', 'add_digest', 'allow_training_state',
           'check_digest', 'check_whole', 'checked', 'choose_weights',
           'content_digest',
           'describe_file', 'download_checkpoint', 'load_from_url',
           'read_checkpoint', 'save_checkpoint', 'torch_load',
           'write_atomically']
