from .amp_fallback import use_fp32_without_cuda
from .atomic_save import register_atomic_checkpoint_saving
from .cpu_distributed import (CPUDistributedDataParallel,
                              end_gloo_process_group, use_gloo_without_cuda)
from .ema_hook import EMAHook
from .official_loading import register_official_checkpoint_conversion
from .random_state_hook import RandomStateHook
from .safe_checkpoint import (CorruptCheckpointError, load_weights_only,
                              register_safe_checkpoint_loading)
from .strict_loading import load_for_evaluation
from .weights_choice import (WEIGHTS, WeightsChoiceError, add_weights_argument,
                             choose_weights, without_ema_hooks)

__all__ = ['CPUDistributedDataParallel', 'CorruptCheckpointError', 'EMAHook',
           'add_weights_argument',
           'WEIGHTS', 'WeightsChoiceError', 'choose_weights',
           'without_ema_hooks',
           'RandomStateHook', 'register_atomic_checkpoint_saving',
           'load_for_evaluation', 'load_weights_only',
           'register_official_checkpoint_conversion',
           'register_safe_checkpoint_loading', 'use_fp32_without_cuda',
           'use_gloo_without_cuda', 'end_gloo_process_group']
