from .amp_fallback import use_fp32_without_cuda
from .checkpoint_hooks import (SafeCheckpointHook, VerifyCheckpointHook,
                               check_start_checkpoint)
from .cpu_distributed import (CPUDistributedDataParallel,
                              end_gloo_process_group, use_gloo_without_cuda)
from .dropped_annotations_hook import DroppedAnnotationsHook
from .ema_hook import EMAHook
from .random_state_hook import RandomStateHook
from .strict_loading import (add_weights_argument, load_for_evaluation,
                             without_ema_hooks)
from .work_dir_lock import (WorkDirBusyError, lock_work_dir,
                            lock_work_dir_of_run)

__all__ = ['CPUDistributedDataParallel', 'DroppedAnnotationsHook', 'EMAHook',
           'RandomStateHook', 'check_start_checkpoint',
           'SafeCheckpointHook', 'VerifyCheckpointHook', 'WorkDirBusyError',
           'add_weights_argument', 'end_gloo_process_group',
           'load_for_evaluation', 'lock_work_dir', 'lock_work_dir_of_run',
           'use_fp32_without_cuda',
           'use_gloo_without_cuda', 'without_ema_hooks']
