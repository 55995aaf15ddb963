"""The registries of mmstm: its models, the hooks it adds to runners, and
the datasets and metrics of the robustness benchmarks.

``MODELS`` is a child of mmengine's root ``MODELS``, so configs of mmpretrain,
mmdet and mmsegmentation reach every mmstm module as ``type='mmstm.<Name>'``.
"""
import copy

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMENGINE_MODELS, scope='mmstm', locations=['mmstm.models'])


def build_mmstm_module(cfg, default_args=None):
    """Build ``cfg`` from mmstm's registry whatever the caller's default scope.

    mmengine's ``build_from_cfg`` switches to the registry of the *current*
    default scope (mmdet, mmseg or mmpretrain while their runners are active),
    where mmstm's mixers are not registered. Pinning ``_scope_`` keeps the
    look-up inside mmstm; names such as ``'mmdet.X'`` still resolve.
    """
    cfg = copy.deepcopy(dict(cfg))
    cfg.setdefault('_scope_', 'mmstm')
    return MODELS.build(cfg, default_args=default_args)


# The CPU distributed wrapper (``type='mmstm.<Name>'``).
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMENGINE_MODEL_WRAPPERS, scope='mmstm',
    locations=['mmstm.engine'])

# Optimiser wrappers (mixed precision on the CPU: ``type='mmstm.<Name>'``).
OPTIM_WRAPPERS = Registry(
    'optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS, scope='mmstm',
    locations=['mmstm.engine'])

# Hooks mmstm adds to mmengine runners (``type='mmstm.<Name>'``).
HOOKS = Registry(
    'hook', parent=MMENGINE_HOOKS, scope='mmstm', locations=['mmstm.engine'])

# The robustness benchmarks' datasets and metrics (``type='mmstm.<Name>'``).
DATASETS = Registry(
    'dataset', parent=MMENGINE_DATASETS, scope='mmstm',
    locations=['mmstm.datasets'])
# Data transforms (``type='mmstm.<Name>'`` in any pipeline).
TRANSFORMS = Registry(
    'transform', parent=MMENGINE_TRANSFORMS, scope='mmstm',
    locations=['mmstm.datasets'])
# Samplers of reproducible augmentation (``type='mmstm.<Name>'``).
DATA_SAMPLERS = Registry(
    'data sampler', parent=MMENGINE_DATA_SAMPLERS, scope='mmstm',
    locations=['mmstm.datasets'])
METRICS = Registry(
    'metric', parent=MMENGINE_METRICS, scope='mmstm',
    locations=['mmstm.evaluation'])
