from .engine import (register_atomic_checkpoint_saving,
                     register_safe_checkpoint_loading)
from .version import __version__

# Importing mmstm (every mmstm config does, through custom_imports) makes all
# checkpoint loading of the process weights-only and the runner's checkpoint
# writing atomic; see mmstm/engine.
register_safe_checkpoint_loading()
register_atomic_checkpoint_saving()

__all__ = ['__version__']
