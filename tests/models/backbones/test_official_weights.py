"""Converted official weights reproduce the official outputs."""
import json

import pytest
import torch
from mmengine.registry import init_default_scope

from mmstm.checkpoint import read_checkpoint
from mmstm.checkpoint.official_layout import (convert_detector_key,
                                              convert_key, is_rebuilt_buffer)
from mmstm.models.backbones import ARCHS, UnifiedBackbone
from mmstm.models.backbones.archs import resolve_arch
from mmstm.models.backbones.official_weights import (block_key_map,
                                                     load_official_backbone,
                                                     load_official_weights,
                                                     rebuilt_buffers)

from tests.conftest import RELEASED_ARCHS, REPO_ROOT, data_file, reference_arch
from tests.numerics import (REORDERED_KERNELS, assert_all_relatively_close,
                            assert_differs, assert_relatively_close)

# mixer family ('swin', ...) -> its mixer type, from the arch table
STM_TYPES = {name.split('-')[0]: resolve_arch(name)['stm'][0]['type']
             for name in RELEASED_ARCHS}
DET_MANIFEST = 'reference/detection/official_det_manifest.json'


def classifier(arch, num_classes):
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    return MODELS.build(dict(
        type='mmstm.UnifiedImageClassifier',
        backbone=dict(type='mmstm.UnifiedBackbone', arch=arch,
                      out_indices=(0, 1, 2, 3)),
        neck=dict(type='mmstm.ExpandPoolNeck'),
        head=dict(type='LinearClsHead', num_classes=num_classes))).eval()


@pytest.mark.parametrize('stm', sorted(STM_TYPES))
def test_reference_outputs_are_reproduced(stm):
    ref = read_checkpoint(data_file(f'reference/official_small_{stm}.pth'))
    arch = reference_arch(stm, ref['arch'])
    model = classifier(arch, ref['arch']['num_classes'])
    load_official_weights(model, ref['state_dict'])
    with torch.no_grad():
        stages = model.backbone(ref['input'])
        logits = model.head.fc(model.neck(stages)[0])
    # the official numbers came from other kernels, maybe another CPU
    assert_relatively_close(logits, ref['logits'], REORDERED_KERNELS,
                            'logits')
    assert_all_relatively_close(stages, ref['stage_outputs'],
                                REORDERED_KERNELS,
                                [f'stage {i} output' for i in range(4)])


@pytest.mark.parametrize('stm', sorted(STM_TYPES))
def test_the_reference_check_sees_a_one_percent_change(stm):
    ref = read_checkpoint(data_file(f'reference/official_small_{stm}.pth'))
    model = classifier(reference_arch(stm, ref['arch']),
                       ref['arch']['num_classes'])
    load_official_weights(model, ref['state_dict'])
    mixer = model.backbone.stages[0].blocks[0].stm  # the first block's
    with torch.no_grad():
        max(mixer.parameters(), key=torch.numel).mul_(1.01)
        stages = model.backbone(ref['input'])
    assert_differs(stages[0], ref['stage_outputs'][0], REORDERED_KERNELS,
                   'stage 0 output')


@pytest.mark.parametrize('arch', [a for a in sorted(ARCHS)
                                  if a.split('-')[0] in STM_TYPES])
def test_every_released_key_maps_onto_the_model(arch):
    with open(data_file('reference/official_state_dict_manifest.json')) as f:
        manifest = json.load(f)[arch]['state_dict']
    target = classifier(arch, 1000).state_dict()
    stm_type = STM_TYPES[arch.split('-')[0]]
    keys = block_key_map(stm_type)
    mapped = {convert_key(k, keys): k for k in manifest
              if not is_rebuilt_buffer(k, rebuilt_buffers(stm_type))}
    assert None not in mapped
    assert set(mapped) == set(target)
    for ours, official in mapped.items():
        assert target[ours].numel() == torch.Size(manifest[official]).numel()


def test_a_mismatching_checkpoint_is_refused_whole():
    ref = read_checkpoint(data_file('reference/official_small_convnext.pth'))
    model = classifier('convnext-micro', 10)  # dims differ from the file's
    before = {k: v.clone() for k, v in model.state_dict().items()}
    with pytest.raises((KeyError, ValueError), match='arch|match'):
        load_official_weights(model, ref['state_dict'])
    for key, value in model.state_dict().items():
        assert torch.equal(value, before[key])


def downstream_reference(stm):
    """The official detection backbone of ``stm`` (random weights, 96x128
    input) and the mmstm downstream backbone of the same arch."""
    from mmstm.models.backbones import UnifiedBackbone
    path = data_file(
        f'reference/detection/official_det_backbone_small_{stm}.pth')
    # the file carries the official arch's ConfigDict: trusted team data
    ref = torch.load(path, map_location='cpu', weights_only=False)
    arch = reference_arch(stm, ref['arch'])
    return ref, arch, UnifiedBackbone(arch, downstream=True,
                                      out_indices=(0, 1, 2, 3)).eval()


@pytest.mark.parametrize('stm', sorted(STM_TYPES))
def test_downstream_reference_outputs_are_reproduced(stm):
    ref, _, backbone = downstream_reference(stm)
    load_official_backbone(backbone, ref['state_dict'])
    with torch.no_grad():
        outputs = backbone(ref['input'])
    assert len(outputs) == len(ref['outputs']) == 4
    assert_all_relatively_close(outputs, ref['outputs'], REORDERED_KERNELS,
                                [f'stage {i} output' for i in range(4)])


def test_the_classifier_backbone_is_not_the_downstream_one():
    """Guards the reference test: the classification network (stage norms
    in the trunk, its mixer options) computes something else on the same
    weights, so reproducing the reference needs the downstream switch."""
    ref, arch, backbone = downstream_reference('swin')
    load_official_backbone(backbone, ref['state_dict'])
    # the classifier's trunk norms, taken from the fresh output norms
    trunk_normed = UnifiedBackbone(arch, out_indices=(0, 1, 2, 3)).eval()
    state = {k.replace('out_norm', 'norm'): v
             for k, v in backbone.state_dict().items()}
    trunk_normed.load_state_dict(state)
    # the downstream norms, with the classifier's masked padding
    masked = UnifiedBackbone(arch, downstream=True, out_indices=(0, 1, 2, 3),
                             stm_cfg=dict(padding='masked')).eval()
    masked.load_state_dict(backbone.state_dict())
    with torch.no_grad():
        for other in (trunk_normed, masked):
            ours = other(ref['input'])
            assert_differs(ours[3], ref['outputs'][3], REORDERED_KERNELS,
                           'stage 3 output')


def detection_backbone(config):
    """The backbone of a detection config, without its pretrained init."""
    from mmengine.config import Config
    cfg = Config.fromfile(config).model.backbone
    cfg.pop('init_cfg')
    cfg.pop('type')
    return UnifiedBackbone(**cfg)


@pytest.mark.parametrize('arch', [a for a in sorted(ARCHS)
                                  if a.split('-')[0] in STM_TYPES])
def test_every_released_detector_backbone_key_maps(arch):
    with open(data_file(DET_MANIFEST)) as f:
        manifest = json.load(f)[arch]
    stm, _ = arch.split('-')
    config = (f'{REPO_ROOT}/configs/detection/{stm}/'
              f'mask-rcnn_{arch}_fpn_1x_coco.py')
    target = {'backbone.' + k: v
              for k, v in detection_backbone(config).state_dict().items()}
    stm_type = STM_TYPES[stm]
    keys = block_key_map(stm_type)
    rebuilt = rebuilt_buffers(stm_type)
    mapped = {convert_detector_key('backbone.' + k, keys): k
              for k in manifest if not is_rebuilt_buffer(k, rebuilt)}
    assert None not in mapped
    assert set(mapped) == set(target)
    for ours, official in mapped.items():
        assert target[ours].numel() == torch.Size(manifest[official]).numel()
