"""How a device runs the models fast: one layer, one switch.

The mixers and the block state their computation as their papers do. This
layer holds the strategies that compute the same functions faster on some
device, each a subclass of a model class that reschedules its computation
(fused CPU kernels, MLP slabs, per-sample chunks, stochastic depth on the
kept samples, attention in pieces, the tiled neighbourhood, mmcv's DCNv3
kernel, attention with a position bias through SDPA's fused kernels on
CUDA). ``UnifiedBackbone`` applies them when it is built, unless turned
off by its ``fast_execution=False`` option or by the environment variable
``MMSTM_FAST_EXECUTION=0``; turned off, the model is plain PyTorch.
"""
from . import (attention, cpu_linear, cpu_mlp, deformable,  # noqa: F401
               fused_attention, neighborhood, residual)
from .switch import (ENV_VAR, FAST_FORMS, apply_execution,
                     fast_execution_enabled, is_fast, plain_execution)

__all__ = ['ENV_VAR', 'FAST_FORMS', 'apply_execution',
           'fast_execution_enabled', 'is_fast', 'plain_execution']
