"""The weight-decay groups the configs build are the paper's: its rules
applied to the official names and shapes of each mixer's released models
select exactly the same tensors as the configs' rules on mmstm's names."""
import copy
import glob
import json

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope

from mmstm.checkpoint.official_layout import (convert_detector_key,
                                              convert_key, is_rebuilt_buffer)
from mmstm.models.backbones.archs import resolve_arch
from mmstm.models.backbones.official_weights import (block_key_map,
                                                     rebuilt_buffers)

from tests.conftest import RELEASED_FAMILIES, REPO_ROOT, data_file

FAMILIES = RELEASED_FAMILIES
# substrings of the official Mask R-CNN config's custom keys (decay 0)
COCO_NO_DECAY = ('absolute_pos_embed', 'relative_position_bias_table', 'norm')


def imagenet_config(family):
    (path, ) = glob.glob(f'{REPO_ROOT}/configs/classification/{family}/'
                         f'{family}-micro_*_in1k.py')
    return path


def downstream_config(task, family):
    if task == 'detection':
        return (f'{REPO_ROOT}/configs/detection/{family}/'
                f'mask-rcnn_{family}-micro_fpn_1x_coco.py')
    return (f'{REPO_ROOT}/configs/segmentation/{family}/'
            f'upernet_{family}-micro_8xb2-160k_ade20k-512x512.py')


def build(config):
    """The model of ``config`` and the names of its parameters that its
    optimiser wrapper puts at weight decay 0."""
    cfg = Config.fromfile(config)
    scope = cfg.get('default_scope')
    init_default_scope(scope)
    from mmengine.registry import MODELS
    cfg.model.backbone.pop('init_cfg', None)
    model = MODELS.build(cfg.model)
    wrapper_cfg = copy.deepcopy(cfg.optim_wrapper)
    if wrapper_cfg.get('type') == 'AmpOptimWrapper':  # needs CUDA to build
        wrapper_cfg.type = 'OptimWrapper'
        wrapper_cfg.pop('loss_scale', None)
    optimizer = build_optim_wrapper(model, wrapper_cfg).optimizer
    names = {id(p): n for n, p in parameters_by_key(model).items()}
    no_decay = {names[id(p)] for group in optimizer.param_groups
                if group['weight_decay'] == 0 for p in group['params']}
    return model, no_decay


def parameters_by_key(model):
    """The parameters under their checkpoint keys (a layer scale is the
    module ``gamma1`` holding ``weight``, its key is ``...gamma1``)."""
    return {key: value
            for key, value in model.state_dict(keep_vars=True).items()
            if isinstance(value, torch.nn.Parameter)}


def manifest(relative, arch):
    with open(data_file(relative)) as f:
        entry = json.load(f)[arch]
    return entry.get('state_dict', entry)  # the classifiers' has 'params' too


def stm_type(family):
    return resolve_arch(f'{family}-micro')['stm'][0]['type']


@pytest.mark.parametrize('family', FAMILIES)
def test_imagenet_groups_follow_the_official_optimiser(family):
    model, no_decay = build(imagenet_config(family))
    parameters = parameters_by_key(model)
    official = manifest('reference/official_state_dict_manifest.json',
                        f'{family}-micro')
    keys = block_key_map(stm_type(family))
    expected = set()
    for name, shape in official.items():
        if is_rebuilt_buffer(name, rebuilt_buffers(stm_type(family))):
            continue
        ours = convert_key(name, keys)
        if ours not in parameters:  # a buffer (BN statistics)
            continue
        # official optim_factory: 1-D, '.bias', or in no_weight_decay()
        if len(shape) == 1 or name.endswith('.bias') or \
                'relative_position_bias_table' in name:
            expected.add(ours)
    assert no_decay == expected


@pytest.mark.parametrize('task', ['detection', 'segmentation'])
@pytest.mark.parametrize('family', FAMILIES)
def test_downstream_groups_follow_the_official_mask_rcnn_config(
        task, family):
    model, no_decay = build(downstream_config(task, family))
    official = manifest('reference/detection/official_det_manifest.json',
                        f'{family}-micro')
    keys = block_key_map(stm_type(family))
    backbone = {}
    for name in official:
        if not is_rebuilt_buffer(name, rebuilt_buffers(stm_type(family))):
            backbone[convert_detector_key('backbone.' + name, keys)] = \
                'backbone.' + name
    expected = set()
    for ours in parameters_by_key(model):
        # neck and heads keep mmdet's names, which the official rule sees
        official_name = backbone.get(ours, ours)
        if ours.startswith('backbone.'):
            assert ours in backbone, ours
        if any(key in official_name for key in COCO_NO_DECAY):
            expected.add(ours)
    assert no_decay == expected
    # what the rule means, spelled out: stem and downsampling norms decay
    assert 'backbone.stem.conv_norm1.norm.weight' not in no_decay
    assert 'backbone.stages.0.out_norm.weight' in no_decay
