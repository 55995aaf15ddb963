"""Run AMP configs on machines without CUDA."""
import logging

import torch
from mmengine.logging import print_log


def use_fp32_without_cuda(cfg):
    """The paper's recipes train with ``AmpOptimWrapper``, which mmengine
    refuses without CUDA; a CPU run of the same config (a laptop check)
    trains in float32 instead, with a warning. Returns ``cfg``."""
    optim_wrapper = cfg.get('optim_wrapper')
    if optim_wrapper and optim_wrapper.get('type') == 'AmpOptimWrapper' \
            and not torch.cuda.is_available():
        print_log('No CUDA device: AmpOptimWrapper replaced by OptimWrapper '
                  '(float32 training).', logger='current',
                  level=logging.WARNING)
        optim_wrapper.type = 'OptimWrapper'
        optim_wrapper.pop('loss_scale', None)
        optim_wrapper.pop('dtype', None)
    return cfg
