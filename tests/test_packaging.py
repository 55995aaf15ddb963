"""The wheel: configs, tools and the model index under mmstm/.mim/, its
declared dependencies, and an unpacked copy that works outside the
checkout."""
import glob
import os.path as osp
import re
import subprocess
import sys
import zipfile

import pytest
import yaml

from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope='module')
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp('wheel')
    subprocess.run([sys.executable, '-m', 'pip', 'wheel', '--no-deps',
                    '--no-build-isolation', '-q', '-w', str(out), REPO_ROOT],
                   check=True, capture_output=True, timeout=600)
    path, = glob.glob(str(out / 'mmstm-*.whl'))
    return path


def test_the_wheel_carries_configs_tools_and_the_model_index(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    mim = 'mmstm/.mim/'
    with open(osp.join(REPO_ROOT, 'model-index.yml')) as f:
        metafiles = yaml.safe_load(f)['Import']
    assert mim + 'model-index.yml' in names
    for metafile in metafiles:
        assert mim + metafile in names
        with open(osp.join(REPO_ROOT, metafile)) as f:
            for model in yaml.safe_load(f)['Models']:
                assert mim + model['Config'] in names, model['Name']
    for tool in ('tools/train.py', 'tools/test.py', 'tools/dist_train.sh',
                 'tools/model_converters/official_to_mmstm.py',
                 'tools/deployment/pytorch2onnx.py'):
        assert mim + tool in names
    assert not any(n.startswith('tests/') or n.endswith('.pyc')
                   for n in names)


def test_the_wheel_declares_its_dependencies_and_licence(wheel):
    archive = zipfile.ZipFile(wheel)
    metadata, = [n for n in archive.namelist() if n.endswith('/METADATA')]
    text = archive.read(metadata).decode()
    for requirement in ('mmengine', 'mmpretrain', 'mmdet', 'mmsegmentation',
                        'torch'):
        assert f'Requires-Dist: {requirement}' in text
    assert 'Requires-Dist: mmcv' in text and 'extra == "mim"' in text
    assert re.search(r'Requires-Dist: onnxruntime.*extra == "deploy"', text)
    assert any(n.endswith('/LICENSE') for n in archive.namelist())


def test_an_installed_copy_finds_its_models_outside_the_checkout(
        wheel, tmp_path):
    site = tmp_path / 'site'
    zipfile.ZipFile(wheel).extractall(site)
    script = (
        'import mmstm, mmpretrain\n'
        'from mmstm.apis import resolve_model\n'
        'model = mmpretrain.get_model("u-swin-micro_3rdparty_in1k")\n'
        'print("RESULT", mmstm.__file__,'
        ' len(mmpretrain.list_models("u-*_3rdparty_in1k")),'
        ' resolve_model("mask-rcnn_u-pvt-tiny_fpn_1x_coco")[0],'
        ' type(model.backbone).__name__)\n')
    result = subprocess.run(
        [sys.executable, '-c', script], cwd=str(tmp_path), text=True,
        capture_output=True, timeout=300,
        env={'PYTHONPATH': str(site), 'PATH': '/usr/bin:/bin'})
    assert result.returncode == 0, result.stderr[-2000:]
    line, = [x for x in result.stdout.splitlines() if x.startswith('RESULT')]
    package, count, config, backbone = line.split()[1:]
    assert package.startswith(str(site))
    assert count == '20'
    assert config == str(site / 'mmstm/.mim/configs/detection/pvt/'
                         'mask-rcnn_pvt-tiny_fpn_1x_coco.py')
    assert backbone == 'UnifiedBackbone'
