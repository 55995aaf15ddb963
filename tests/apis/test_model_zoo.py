"""The released models by name: the model index, mmpretrain's API over it,
and official weights fetched (from a loopback server standing in for the
release page) and converted on the fly."""
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

import mmstm  # noqa: F401  (registers the index with mmpretrain)
from mmstm.apis import list_models, model_entry, resolve_model
from mmstm.checkpoint import read_checkpoint
from mmstm.models.backbones.official_weights import load_official_weights

from tests.conftest import RELEASED_ARCHS, data_file, reference_arch
from tests.numerics import REORDERED_KERNELS, assert_relatively_close

RELEASE = 'https://github.com/OpenGVLab/STM-Evaluation/releases/download'


def test_every_released_model_has_a_name_a_config_and_official_weights():
    import mmpretrain
    imagenet = mmpretrain.list_models('u-*_3rdparty_in1k')
    assert imagenet == list_models('u-*', released_only=True)
    assert imagenet == sorted(f'u-{arch}_3rdparty_in1k'
                              for arch in RELEASED_ARCHS)
    coco = list_models('mask-rcnn_u-*', released_only=True)
    assert coco == sorted(f'mask-rcnn_u-{arch}_fpn_1x_coco'
                          for arch in RELEASED_ARCHS)
    for name in imagenet + coco:
        config, weights = resolve_model(name)
        assert osp.isfile(config), config
        assert weights.startswith(RELEASE + '/')


def test_metafile_parameter_counts_are_the_official_models():
    with open(data_file('reference/official_state_dict_manifest.json')) as f:
        manifest = json.load(f)
    for name in list_models('u-*', released_only=True):
        arch = name[2:].split('_')[0]
        assert model_entry(name)['Metadata']['Parameters'] == \
            manifest[arch]['params'], name


@pytest.mark.slow
def test_metafile_parameter_counts_of_mask_rcnn_are_the_configs():
    from mmengine.registry import MODELS, DefaultScope
    for name in list_models('mask-rcnn_u-*', released_only=True):
        cfg = Config.fromfile(resolve_model(name)[0])
        cfg.model.backbone.init_cfg = None
        with DefaultScope.overwrite_default_scope('mmdet'):
            model = MODELS.build(cfg.model)
        params = sum(p.numel() for p in model.parameters())
        assert params == model_entry(name)['Metadata']['Parameters'], name


def test_an_unknown_name_is_answered_with_the_close_ones():
    with pytest.raises(KeyError, match='u-swin-tiny_3rdparty_in1k'):
        resolve_model('u-swin-tiny')


@pytest.fixture(scope='module')
def released_convnext_micro(tmp_path_factory):
    """A file in the layout of the released convnext-micro (every key and
    shape of the official manifest, random values)."""
    with open(data_file('reference/official_state_dict_manifest.json')) as f:
        shapes = json.load(f)['convnext-micro']['state_dict']
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp('release') / 'unified_convnext_micro.pth'
    weights = {k: torch.rand(s) + 0.5 if 'running_var' in k
               else torch.randn(s) * 0.1 for k, s in shapes.items()}
    torch.save({'model': weights, 'epoch': 299}, path)
    return str(path)


def test_get_model_by_name_fetches_and_converts_the_release(
        loopback, hub_cache, released_convnext_micro):
    import mmpretrain
    from mmpretrain.apis import ImageClassificationInferencer
    loopback.put(released_convnext_micro, 'unified_convnext_micro.pth')
    name = 'u-convnext-micro_3rdparty_in1k'
    to_loopback = (RELEASE + '/cls-ckpt', loopback.url)
    model = mmpretrain.get_model(name, pretrained=True,
                                 url_mapping=to_loopback).eval()
    expected = mmpretrain.get_model(name).eval()
    load_official_weights(expected, read_checkpoint(released_convnext_micro))
    image = torch.randn(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(model(image), expected(image), rtol=0,
                                   atol=0)
    # (whatever default scope earlier code of the process left behind)
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        inferencer = ImageClassificationInferencer(
            name, pretrained=f'{loopback.url}/unified_convnext_micro.pth')
        prediction = inferencer(data_file(
            'imagenet-val-mini/val/ILSVRC2012_val_00000118.JPEG'))[0]
    assert 0 <= prediction['pred_label'] < 1000
    # the first call downloaded, the inferencer read the cache
    assert loopback.requests['/unified_convnext_micro.pth'] == 1


@pytest.mark.parametrize('stm', ['convnext', 'swin'])
def test_an_official_url_reproduces_the_reference_outputs(stm, loopback,
                                                          hub_cache):
    import mmpretrain
    ref_file = data_file(f'reference/official_small_{stm}.pth')
    ref = read_checkpoint(ref_file)
    cfg = Config.fromfile(resolve_model(f'u-{stm}-micro_3rdparty_in1k')[0])
    cfg.model.backbone.arch = reference_arch(stm, ref['arch'])
    cfg.model.head.num_classes = ref['arch']['num_classes']
    url = loopback.put(ref_file, f'official_small_{stm}.pth')
    model = mmpretrain.get_model(cfg, pretrained=url).eval()
    with torch.no_grad():
        logits = model.head.fc(model.neck(model.backbone(ref['input']))[0])
    assert_relatively_close(logits, ref['logits'], REORDERED_KERNELS, 'logits')
