"""Mixed precision for every config: float16 (the paper's recipes) or
bfloat16, on CUDA and, in bfloat16, on the CPU.

``tools/train.py --amp [float16|bfloat16]`` turns it on for any config (for
bfloat16 the same as ``--cfg-options optim_wrapper.type=AmpOptimWrapper
optim_wrapper.dtype=bfloat16 optim_wrapper.loss_scale.enabled=False``).
bfloat16 has float32's exponent range, so it trains without loss scaling,
as timm does; float16 keeps mmengine's dynamic loss scale.
"""
import logging
from contextlib import contextmanager

import torch
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper

from ..registry import OPTIM_WRAPPERS

AMP_DTYPES = ('float16', 'bfloat16')
NO_LOSS_SCALE = dict(enabled=False)  # mmengine's GradScaler passing through


def use_amp(cfg, dtype='float16'):
    """Train ``cfg`` with mmengine's ``AmpOptimWrapper`` in ``dtype``
    (:data:`AMP_DTYPES`); returns ``cfg``."""
    if dtype not in AMP_DTYPES:
        raise ValueError(f'AMP dtype must be one of {AMP_DTYPES}, got '
                         f'{dtype!r}')
    wrapper = cfg.optim_wrapper
    kind = wrapper.get('type', 'OptimWrapper')
    if kind not in ('OptimWrapper', 'AmpOptimWrapper'):
        raise ValueError(f'AMP is not supported with optim_wrapper.type '
                         f'{kind!r} (only OptimWrapper or AmpOptimWrapper)')
    wrapper.type = 'AmpOptimWrapper'
    wrapper.dtype = dtype
    if dtype == 'bfloat16':
        wrapper.loss_scale = dict(NO_LOSS_SCALE)
    elif wrapper.get('loss_scale', NO_LOSS_SCALE) == NO_LOSS_SCALE:
        wrapper.loss_scale = 'dynamic'
    return cfg


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """bfloat16 autocast of the training forward on the device of the
    model's parameters, without loss scaling. mmengine's ``AmpOptimWrapper``
    needs a CUDA (or NPU, MLU) device; this one also trains on the CPU, where
    autocast has bfloat16 only."""

    def __init__(self, dtype='bfloat16', **kwargs):
        if dtype not in ('bfloat16', torch.bfloat16):
            raise ValueError(f'AutocastOptimWrapper autocasts to bfloat16, '
                             f'got dtype {dtype!r}')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model):
        device = next(model.parameters()).device.type
        with super().optim_context(model), \
                torch.autocast(device, dtype=self.cast_dtype):
            yield

    def load_state_dict(self, state_dict):
        # an AmpOptimWrapper checkpoint's loss scale: unused without scaling
        state_dict.pop('loss_scaler', None)
        super().load_state_dict(state_dict)


def amp_without_cuda(cfg):
    """Run an AMP config on a machine without CUDA, where mmengine refuses
    ``AmpOptimWrapper``: bfloat16 trains in bfloat16 on the CPU
    (:class:`AutocastOptimWrapper`); float16, which CPU autocast lacks,
    trains in float32, with a warning (a laptop check of a paper recipe).
    Returns ``cfg``."""
    wrapper = cfg.get('optim_wrapper')
    if not wrapper or wrapper.get('type') != 'AmpOptimWrapper' \
            or torch.cuda.is_available():
        return cfg
    wrapper.pop('loss_scale', None)
    if str(wrapper.get('dtype')).replace('torch.', '') == 'bfloat16':
        wrapper.type = 'mmstm.AutocastOptimWrapper'
        print_log('No CUDA device: bfloat16 AMP runs on the CPU '
                  '(mmstm.AutocastOptimWrapper).', logger='current')
        return cfg
    print_log('No CUDA device: AmpOptimWrapper replaced by OptimWrapper '
              '(float32 training; bfloat16 AMP would run on the CPU).',
              logger='current', level=logging.WARNING)
    wrapper.type = 'OptimWrapper'
    wrapper.pop('dtype', None)
    return cfg
