"""Distributed training and testing on machines without CUDA.

mmengine's launchers call ``torch.cuda.set_device`` and its DDP wrapper
passes the local rank as a CUDA device id, so ``tools/dist_train.sh`` dies on
a CPU machine. Without CUDA, mmstm starts the process group itself with gloo
(mmengine then skips its own start) and wraps the model in
:class:`CPUDistributedDataParallel`. With CUDA nothing changes (NCCL).
"""
import logging
from datetime import timedelta

import torch
import torch.distributed as dist
from mmengine.logging import print_log
from mmengine.model import MMDistributedDataParallel, revert_sync_batchnorm

from mmstm.registry import MODEL_WRAPPERS


@MODEL_WRAPPERS.register_module()
class CPUDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper for a model on the CPU: no device ids, and
    SyncBatchNorm (CUDA only in torch) reverted to per-process BatchNorm."""

    def __init__(self, module, device_ids=None, broadcast_buffers=False,
                 **kwargs):
        if any(p.is_cuda for p in module.parameters()):
            raise ValueError('CPUDistributedDataParallel is for models on '
                             'the CPU; on CUDA use MMDistributedDataParallel')
        super().__init__(module=revert_sync_batchnorm(module),
                         device_ids=None,
                         broadcast_buffers=broadcast_buffers, **kwargs)


def use_gloo_without_cuda(cfg):
    """For ``cfg.launcher='pytorch'`` on a machine without CUDA: start the
    process group with gloo (rank and world size from torchrun's
    environment) and select :class:`CPUDistributedDataParallel`. Returns
    ``cfg``; unchanged on CUDA or without a launcher."""
    launcher = cfg.get('launcher', 'none')
    if launcher == 'none' or torch.cuda.is_available():
        return cfg
    if launcher != 'pytorch':
        raise RuntimeError(
            f'--launcher {launcher} needs CUDA; without it, run the pytorch '
            'launcher (tools/dist_train.sh, tools/dist_test.sh), which '
            'mmstm runs on gloo')
    wrapper = dict(cfg.get('model_wrapper_cfg') or {})
    if wrapper.get('type', 'MMDistributedDataParallel') not in (
            'MMDistributedDataParallel', 'mmstm.CPUDistributedDataParallel'):
        raise RuntimeError(f'model_wrapper_cfg type {wrapper["type"]} has no '
                           'CPU counterpart; distributed CPU runs use '
                           'mmstm.CPUDistributedDataParallel')
    wrapper['type'] = 'mmstm.CPUDistributedDataParallel'
    wrapper.setdefault('find_unused_parameters',
                       cfg.get('find_unused_parameters', False))
    cfg.model_wrapper_cfg = wrapper
    if not dist.is_initialized():
        dist_cfg = cfg.get('env_cfg', {}).get('dist_cfg', {})
        timeout = timedelta(seconds=dist_cfg.get('timeout', 1800))
        dist.init_process_group('gloo', timeout=timeout)
    print_log(f'No CUDA: distributed over gloo, rank {dist.get_rank()} of '
              f'{dist.get_world_size()}, SyncBN reverted to BatchNorm',
              logger='current', level=logging.WARNING)
    return cfg


def end_gloo_process_group():
    """Close the gloo process group :func:`use_gloo_without_cuda` started,
    once every rank has finished. Left open, its threads are torn down at
    interpreter exit in whatever order, which can abort a worker ("terminate
    called without an active exception") after a run that succeeded."""
    if dist.is_initialized() and dist.get_backend() == 'gloo':
        dist.barrier()
        dist.destroy_process_group()
