"""mmengine's whole-model loading (load_from, load_checkpoint, inferencers,
tools/test.py) converts a released official checkpoint for an mmstm model,
strictly, and leaves every other model alone."""
import pytest
import torch
from mmengine.runner import load_checkpoint
from torch import nn

import mmstm  # noqa: F401

from tests.conftest import released_mask_rcnn


def test_a_released_mask_rcnn_file_loads_into_the_detector(tmp_path):
    _, src, official, model = released_mask_rcnn(tmp_path, 'convnext-micro')
    load_checkpoint(model, src, map_location='cpu')
    state = model.state_dict()
    for ours, theirs in [
            ('backbone.stages.2.out_norm.weight',
             'backbone.out_norm_2.weight'),
            ('backbone.stages.1.blocks.0.norm1.weight',
             'backbone.stages.1.0.dw_norm.weight'),
            ('roi_head.mask_head.conv_logits.weight',
             'roi_head.mask_head.conv_logits.weight')]:
        torch.testing.assert_close(state[ours], official[theirs])


def test_a_release_of_another_model_is_refused_whole(tmp_path):
    _, src, _, _ = released_mask_rcnn(tmp_path, 'convnext-micro')
    (tmp_path / 'swin').mkdir()
    _, _, _, swin = released_mask_rcnn(tmp_path / 'swin', 'swin-micro')
    before = {k: v.clone() for k, v in swin.state_dict().items()}
    with pytest.raises(KeyError, match='does not match the model'):
        load_checkpoint(swin, src, map_location='cpu')
    for key, value in swin.state_dict().items():
        assert torch.equal(value, before[key]), key


def test_other_models_with_official_looking_keys_pass_through(tmp_path):
    # e.g. facebook's ConvNeXt also names its stem downsample_layers.0
    model = nn.Module()
    model.downsample_layers = nn.Sequential(nn.Conv2d(3, 4, 4, 4))
    path = tmp_path / 'convnext.pth'
    weights = {k: torch.randn_like(v) for k, v in model.state_dict().items()}
    torch.save(weights, path)
    load_checkpoint(model, str(path), map_location='cpu', strict=True)
    assert torch.equal(model.downsample_layers[0].weight,
                       weights['downsample_layers.0.weight'])
