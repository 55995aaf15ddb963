"""ONNX export (mmstm/deployment): every family's micro classifier exports
with standard operators only and runs in onnxruntime as in PyTorch at
224x224 and 97x131, from one file where its mixers allow; the check sees
other weights; a module that cannot be exported is named, a custom
operator refused."""
import onnx
import pytest
import torch
from onnx import helper
from torch import nn

from mmstm.deployment import (ExportError, check_standard_operators,
                              compare_outputs, export_onnx, exportable_model,
                              onnx_session)

from tests.conftest import STM_FAMILIES, config_of

SIZES = [(224, 224), (97, 131)]
TOLERANCE = 1e-4  # relative to the output's largest value


def micro_classifier(family):
    torch.manual_seed(0)
    return exportable_model(config_of('classification', family,
                                      f'{family}-micro_*.py'))




def assert_matches(model, path, size):
    diff = compare_outputs(model, onnx_session(path),
                           torch.randn(2, 3, *size))
    assert diff['relative'] < TOLERANCE, (size, diff)


def assert_standard(path):
    domains = {node.domain for node in onnx.load(path).graph.node}
    assert domains <= {'', 'ai.onnx'}, domains


@pytest.mark.slow
@pytest.mark.parametrize('family', STM_FAMILIES)
def test_every_family_exports_one_file_for_every_size(family, tmp_path):
    model = micro_classifier(family)
    path = str(tmp_path / f'{family}.onnx')
    exported = export_onnx(model, path, SIZES[0], dynamic=True)
    assert exported['dynamic_size'], exported['fixed_size_reasons']
    assert_standard(path)
    for size in SIZES:
        assert_matches(model, path, size)


@pytest.mark.slow
def test_swins_downstream_backbone_serves_every_size(tmp_path):
    # zero padding, always shifted windows: nothing decided by the size
    torch.manual_seed(0)
    model = exportable_model(config_of(
        'detection', 'swin', 'mask-rcnn_swin-micro_fpn_1x_coco.py'))
    path = str(tmp_path / 'swin-backbone.onnx')
    exported = export_onnx(model, path, (96, 128), dynamic=True)
    assert exported['dynamic_size']
    assert exported['output_names'] == [f'feature{i}' for i in range(4)]
    for size in [(96, 128), (97, 131), (160, 64)]:
        assert_matches(model, path, size)


def test_a_dynamic_graph_serves_another_size_and_batch(tmp_path):
    model = micro_classifier('convnext')
    path = str(tmp_path / 'convnext.onnx')
    assert export_onnx(model, path, (64, 64), dynamic=True)['dynamic_size']
    for batch, size in [(1, (64, 64)), (3, (97, 131))]:
        diff = compare_outputs(model, onnx_session(path),
                               torch.randn(batch, 3, *size))
        assert diff['relative'] < TOLERANCE


def test_the_check_sees_a_graph_of_other_weights(tmp_path):
    model = micro_classifier('convnext')
    path = str(tmp_path / 'convnext.onnx')
    export_onnx(model, path, (64, 64))
    other = micro_classifier('convnext')
    with torch.no_grad():
        other.model.head.fc.weight.mul_(1.01)
    diff = compare_outputs(other, onnx_session(path),
                           torch.randn(2, 3, 64, 64))
    assert diff['relative'] > 1e-3


class SizeBoundMixer(nn.Module):
    """A mixer whose forward would decide something by the input size."""

    fixed_size_graph = 'it decides by the size in Python'

    def forward(self, x):
        return 2 * x


def test_a_size_bound_mixer_is_exported_at_the_size_asked(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 1), SizeBoundMixer())
    path = str(tmp_path / 'bound.onnx')
    exported = export_onnx(model, path, (16, 24), dynamic=True)
    assert not exported['dynamic_size']
    assert exported['fixed_size_reasons'] == {
        'SizeBoundMixer': 'it decides by the size in Python'}
    dims = onnx.load(path).graph.input[0].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ['batch', 3, 16, 24]


class FourierMixer(nn.Module):

    def forward(self, x):
        return torch.fft.fft2(x).real


def test_an_unexportable_module_is_named(tmp_path):
    model = nn.Sequential(nn.Conv2d(3, 4, 3),
                          nn.Sequential(nn.ReLU(), FourierMixer()))
    with pytest.raises(ExportError,
                       match=r"module '1\.1' \(FourierMixer\)"):
        export_onnx(model, str(tmp_path / 'fft.onnx'), (16, 16))


def test_custom_operators_are_refused():
    node = helper.make_node('MultiScaleDeformableAttn', ['x'], ['y'],
                            domain='mmdeploy')
    graph = helper.make_graph(
        [node], 'g', [helper.make_tensor_value_info('x', 1, [1])],
        [helper.make_tensor_value_info('y', 1, [1])])
    proto = helper.make_model(graph, opset_imports=[
        helper.make_opsetid('', 17), helper.make_opsetid('mmdeploy', 1)])
    with pytest.raises(ExportError,
                       match='mmdeploy::MultiScaleDeformableAttn'):
        check_standard_operators(proto)
