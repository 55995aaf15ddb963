from .apis import register_with_mmpretrain
from .checkpoint import allow_training_state
from .version import __version__

# Importing mmstm (every mmstm config does, through custom_imports) registers
# and patches nothing: mmengine's training state joins torch's weights-only
# allowlist, and the released ImageNet models join mmpretrain's model index.
allow_training_state()
register_with_mmpretrain()

__all__ = ['__version__']
