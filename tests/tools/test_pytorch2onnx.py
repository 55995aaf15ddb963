"""tools/deployment/pytorch2onnx.py: exports a config's classifier (with its
checkpoint's weights) or a detector's backbone, checks the file in
onnxruntime and prints the differences; says why a mixer needs a fixed
size; refuses a classifier export of a detector by name."""
import importlib.util
import os.path as osp
import re
import subprocess
import sys

import pytest
import torch

from mmstm.checkpoint import save_checkpoint
from mmstm.deployment import compare_outputs, exportable_model, onnx_session

from tests.conftest import REPO_ROOT, config_of

pytestmark = pytest.mark.slow

TOOL = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')

DIFFERENCE = re.compile(r'^onnxruntime vs PyTorch at 2x3x(\d+)x(\d+): '
                        r'largest difference ([\d.e+-]+) \(([\d.e+-]+) of '
                        r'the largest output\)$', re.M)


def run_tool(*args):
    return subprocess.run(
        [sys.executable, TOOL, *map(str, args),
         '--threads', '1'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def test_a_classifier_exports_with_its_checkpoint(tmp_path):
    config = config_of('classification', 'convnext', 'convnext-micro_*.py')
    trained = exportable_model(config)
    with torch.no_grad():
        for parameter in trained.parameters():
            parameter.add_(0.01 * torch.randn_like(parameter))
    checkpoint = tmp_path / 'trained.pth'
    save_checkpoint({'state_dict': trained.model.state_dict(), 'meta': {}},
                    checkpoint)
    out = tmp_path / 'convnext.onnx'
    result = run_tool(config, checkpoint, '--out', out, '--shape', 64,
                      '--dynamic')
    assert result.returncode == 0, result.stderr[-3000:]
    checked = DIFFERENCE.findall(result.stdout)
    # the size asked and a second one: the file's size is dynamic
    assert [(int(h), int(w)) for h, w, *_ in checked] == [(64, 64), (49, 41)]
    assert all(float(relative) < 1e-4 for *_, relative in checked)
    assert 'input (batch, 3, dynamic)' in result.stdout

    inputs = torch.randn(1, 3, 64, 64)
    session = onnx_session(out)
    loaded = exportable_model(config, str(checkpoint))
    assert compare_outputs(loaded, session, inputs)['relative'] < 1e-4
    fresh = exportable_model(config)
    assert compare_outputs(fresh, session, inputs)['relative'] > 1e-3


def test_a_detection_config_exports_its_backbone(tmp_path):
    config = config_of('detection', 'convnext',
                       'mask-rcnn_convnext-micro_fpn_1x_coco.py')
    out = tmp_path / 'backbone.onnx'
    result = run_tool(config, '--out', out, '--shape', 64, 96)
    assert result.returncode == 0, result.stderr[-3000:]
    assert ('outputs feature0, feature1, feature2, feature3'
            in result.stdout)
    assert len(DIFFERENCE.findall(result.stdout)) == 1  # fixed size
    assert 'input (batch, 3, 64x96)' in result.stdout


def test_a_size_bound_mixer_says_why_and_is_exported_at_the_size_asked(
        tmp_path, monkeypatch, capsys):
    # no mixer of the arch table is size-bound today: declare one
    from mmstm.models.stms import ShiftedWindowAttention
    monkeypatch.setattr(ShiftedWindowAttention, 'fixed_size_graph',
                        'a reason of its own')
    spec = importlib.util.spec_from_file_location('pytorch2onnx', TOOL)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.main([config_of('classification', 'swin', 'swin-micro_*.py'),
               '--out', str(tmp_path / 'swin.onnx'), '--shape', '64',
               '--dynamic'])
    printed = capsys.readouterr().out
    assert ('ShiftedWindowAttention needs a fixed input size (a reason of '
            'its own): exported at 64x64') in printed
    assert 'input (batch, 3, 64x64)' in printed
    assert len(DIFFERENCE.findall(printed)) == 1


def test_a_detector_is_no_classifier(tmp_path):
    config = config_of('detection', 'convnext',
                       'mask-rcnn_convnext-micro_fpn_1x_coco.py')
    out = tmp_path / 'detector.onnx'
    result = run_tool(config, '--out', out, '--part', 'classifier')
    assert result.returncode != 0
    assert 'not a classifier' in result.stderr
    assert not out.exists()
