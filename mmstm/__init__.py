from .apis import register_with_mmpretrain
from .engine import (register_atomic_checkpoint_saving,
                     register_official_checkpoint_conversion,
                     register_safe_checkpoint_loading)
from .version import __version__

# Importing mmstm (every mmstm config does, through custom_imports) makes all
# checkpoint loading of the process weights-only, converts released official
# checkpoints on the fly and makes the runner's checkpoint writing atomic;
# see mmstm/engine.
register_safe_checkpoint_loading()
register_official_checkpoint_conversion()
register_atomic_checkpoint_saving()
# ... and the released ImageNet models known to mmpretrain by name
register_with_mmpretrain()

__all__ = ['__version__']
