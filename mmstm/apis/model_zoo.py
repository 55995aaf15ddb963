"""The released models by name.

``model-index.yml`` (in ``mmstm/.mim/`` of an installed package, at the
root of a checkout) lists every released model with its config and official
weights. The ImageNet models are registered with mmpretrain's ``ModelHub``,
so ``mmpretrain.get_model('u-swin-tiny_3rdparty_in1k', pretrained=True)``,
``list_models('u-*')`` and the inferencers know them; every model, Mask
R-CNN included, resolves to ``(config, weights)`` here. Official weights
are fetched once into the torch hub cache and converted when loaded.
"""
import fnmatch
import functools
import os.path as osp

import yaml

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
_registered_with_mmpretrain = False


def index_root():
    """The directory that holds ``model-index.yml`` and the configs it
    names: the installed package's ``.mim``, else the checkout."""
    installed = osp.join(PACKAGE_DIR, '.mim')
    if osp.isfile(osp.join(installed, 'model-index.yml')):
        return installed
    return osp.dirname(PACKAGE_DIR)


def metafiles():
    """Absolute paths of the metafiles the model index imports."""
    root = index_root()
    with open(osp.join(root, 'model-index.yml')) as f:
        return [osp.join(root, path) for path in yaml.safe_load(f)['Import']]


@functools.lru_cache(maxsize=None)
def _models():
    """``{name: model entry}`` of every metafile, configs made absolute
    (read once per process; callers must not modify the entries)."""
    root = index_root()
    models = {}
    for path in metafiles():
        with open(path) as f:
            for model in yaml.safe_load(f)['Models']:
                models[model['Name']] = dict(
                    model, Config=osp.join(root, model['Config']))
    return models


def model_entry(name):
    """The model index entry of the released model ``name`` (its metafile's
    ``Name``, ``Config``, ``Metadata``, ``Results``, ``Weights``)."""
    models = _models()
    if name not in models:
        close = [n for n in models if name.split('_')[0] in n]
        raise KeyError(f'no released model "{name}"; '
                       + (f'did you mean {close}? ' if close else '')
                       + 'mmstm.apis.list_models() lists them all')
    return models[name]


def published_metric(name, metric):
    """The published ``metric`` (e.g. ``'box AP'``) of the released model
    ``name``."""
    for result in model_entry(name)['Results']:
        if metric in result['Metrics']:
            return result['Metrics'][metric]
    raise KeyError(f'{name} publishes no {metric}')


def model_top1(name):
    """The published ImageNet-1K top-1 (%) of the released model ``name``."""
    return published_metric(name, 'Top 1 Accuracy')


def list_models(pattern='*', released_only=False):
    """Names of the models of the index matching the shell ``pattern``;
    with ``released_only``, those with released weights only (the arena
    families and the segmentation configs have none)."""
    return sorted(name for name, entry in _models().items()
                  if fnmatch.fnmatch(name, pattern)
                  and (not released_only or 'Weights' in entry))


def resolve_model(name):
    """``(config path, weights URL)`` of the model ``name``, e.g. for
    ``DetInferencer(model=config, weights=weights)``; the URL is None for a
    model without released weights."""
    entry = model_entry(name)
    return entry['Config'], entry.get('Weights')


def register_with_mmpretrain():
    """Register the ImageNet models with mmpretrain's ``ModelHub``
    (idempotent; nothing to do without mmpretrain)."""
    global _registered_with_mmpretrain
    if _registered_with_mmpretrain:
        return
    try:
        from mmpretrain.apis import ModelHub
    except ImportError:
        return
    for path in metafiles():
        if f'{osp.sep}classification{osp.sep}' in path:
            ModelHub.register_model_index(path, config_prefix=index_root())
    _registered_with_mmpretrain = True
