from .engine import register_safe_checkpoint_loading
from .version import __version__

# Importing mmstm (every mmstm config does, through custom_imports) makes all
# checkpoint loading of the process weights-only; see mmstm/engine.
register_safe_checkpoint_loading()

__all__ = ['__version__']
