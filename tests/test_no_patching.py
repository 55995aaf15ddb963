"""Importing mmstm (and every module of it) registers and changes nothing
else: every function and class of mmengine, mmcv, mmpretrain, mmdet and
mmseg is the original object afterwards, and mmengine's checkpoint loaders
are the ones it registered itself."""
import json
import subprocess
import sys

from tests.conftest import REPO_ROOT

PROBE = r'''
import importlib, inspect, json, pkgutil, sys
LIBRARIES = ('mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmseg', 'torch')
for name in ('mmengine.runner', 'mmengine.runner.checkpoint', 'mmengine.hooks',
             'mmengine.fileio', 'mmcv.transforms', 'mmpretrain.apis',
             'mmpretrain.models', 'mmpretrain.engine', 'mmdet.models',
             'mmdet.datasets', 'mmseg.models', 'mmseg.datasets'):
    importlib.import_module(name)


def snapshot():
    found = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(LIBRARIES):
            continue
        for attr, value in list(vars(module).items()):
            if callable(value):
                found[f'{module_name}.{attr}'] = id(value)
            if inspect.isclass(value) and value.__module__ == module_name:
                for method, member in list(vars(value).items()):
                    if callable(member):
                        found[f'{module_name}.{attr}.{method}'] = id(member)
    return found


from mmengine.runner.checkpoint import CheckpointLoader
before = snapshot()
loaders = dict(CheckpointLoader._schemes)
import mmstm
for info in pkgutil.walk_packages(mmstm.__path__, 'mmstm.'):
    importlib.import_module(info.name)
after = snapshot()
changed = sorted(k for k in before if k in after and after[k] != before[k])
print(json.dumps({
    'changed': changed,
    'loaders': sorted(k for k in loaders
                      if CheckpointLoader._schemes.get(k) is not loaders[k]),
}))
'''


def test_importing_mmstm_replaces_no_function_of_another_library():
    result = subprocess.run([sys.executable, '-c', PROBE], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found == {'changed': [], 'loaders': []}
