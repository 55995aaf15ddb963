from .checkpoint_hooks import (SafeCheckpointHook, VerifyCheckpointHook,
                               check_start_checkpoint)
from .cpu_distributed import (CPUDistributedDataParallel,
                              end_gloo_process_group, use_gloo_without_cuda)
from .dropped_annotations_hook import DroppedAnnotationsHook
from .ema_hook import EMAHook
from .mixed_precision import (AMP_DTYPES, AutocastOptimWrapper,
                              amp_without_cuda, use_amp)
from .random_state_hook import RandomStateHook
from .strict_loading import (add_weights_argument, load_for_evaluation,
                             without_ema_hooks)
from .work_dir_lock import (WorkDirBusyError, lock_work_dir,
                            lock_work_dir_of_run)

__all__ = ['AMP_DTYPES', 'AutocastOptimWrapper',
           'CPUDistributedDataParallel', 'DroppedAnnotationsHook', 'EMAHook',
           'RandomStateHook', 'SafeCheckpointHook', 'VerifyCheckpointHook',
           'WorkDirBusyError', 'add_weights_argument', 'amp_without_cuda',
           'check_start_checkpoint', 'end_gloo_process_group',
           'load_for_evaluation', 'lock_work_dir', 'lock_work_dir_of_run',
           'use_amp', 'use_gloo_without_cuda', 'without_ema_hooks']
