from .amp_fallback import use_fp32_without_cuda
from .random_state_hook import RandomStateHook
from .safe_checkpoint import load_weights_only, register_safe_checkpoint_loading

__all__ = ['RandomStateHook', 'load_weights_only',
           'register_safe_checkpoint_loading', 'use_fp32_without_cuda']
