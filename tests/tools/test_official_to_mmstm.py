"""tools/model_converters/official_to_mmstm.py on the reference checkpoint."""
import subprocess
import sys

import pytest
import torch

from mmstm.checkpoint import read_checkpoint

from tests.conftest import (CLASSIFICATION_DEMO, REPO_ROOT, data_file,
                            released_mask_rcnn)

pytestmark = pytest.mark.slow

DET_MANIFEST = 'reference/detection/official_det_manifest.json'


def write_config(path, dims, num_classes):
    path.write_text(f"""
_base_ = [{CLASSIFICATION_DEMO!r}]
model = dict(backbone=dict(arch=dict(
                 _delete_=True, dims={dims!r}, depths=[2, 2, 2, 2],
                 stm=dict(type='DepthwiseConvMixer', kernel_size=7))),
             head=dict(num_classes={num_classes}))
""")
    return str(path)


def convert(config, src, dst, *options):
    return subprocess.run(
        [sys.executable, 'tools/model_converters/official_to_mmstm.py',
         config, src, str(dst), *options], cwd=REPO_ROOT,
        capture_output=True, text=True, timeout=300)


def test_converts_a_released_checkpoint(tmp_path):
    src = data_file('reference/official_small_convnext.pth')
    official = read_checkpoint(src)['state_dict']
    released = tmp_path / 'released.pth'
    ema = {k: v + 1 if v.is_floating_point() else v
           for k, v in official.items()}
    torch.save({'model': official, 'model_ema': ema, 'epoch': 299}, released)
    config = write_config(tmp_path / 'cfg.py', [16, 32, 64, 128], 10)
    for weights, source in (('raw', official), ('ema', ema)):
        dst = tmp_path / 'out' / f'converted_{weights}.pth'
        result = convert(config, str(released), dst, '--weights', weights)
        assert result.returncode == 0, result.stderr[-2000:]
        converted = read_checkpoint(str(dst))
        assert converted['meta']['weights'].startswith(weights)
        state = converted['state_dict']
        assert len(state) == len(official)
        torch.testing.assert_close(
            state['backbone.stages.1.blocks.0.stm.input_proj.weight'],
            source['stages.1.0.dw_input_proj.weight'].flatten(1))
        torch.testing.assert_close(state['head.fc.weight'],
                                   source['head.weight'])


def test_a_wrong_config_writes_nothing(tmp_path):
    src = data_file('reference/official_small_convnext.pth')
    config = write_config(tmp_path / 'cfg.py', [16, 32, 64, 96], 10)
    dst = tmp_path / 'converted.pth'
    result = convert(config, src, dst)
    assert result.returncode != 0
    assert 'arch' in result.stderr or 'match' in result.stderr
    assert not dst.exists()


def test_converts_a_released_mask_rcnn_checkpoint(tmp_path):
    config, src, official, model = released_mask_rcnn(tmp_path,
                                                      'convnext-micro')
    dst = tmp_path / 'converted.pth'
    result = convert(config, src, dst)
    assert result.returncode == 0, result.stderr[-2000:]
    state = read_checkpoint(str(dst))['state_dict']
    model.load_state_dict(state, strict=True)
    torch.testing.assert_close(state['backbone.stages.2.out_norm.weight'],
                               official['backbone.out_norm_2.weight'])
    torch.testing.assert_close(
        state['backbone.stages.1.blocks.0.norm1.weight'],
        official['backbone.stages.1.0.dw_norm.weight'])
    torch.testing.assert_close(state['roi_head.mask_head.conv_logits.weight'],
                               official['roi_head.mask_head.conv_logits.weight'])


def test_a_mask_rcnn_checkpoint_of_another_mixer_writes_nothing(tmp_path):
    _, src, _, _ = released_mask_rcnn(tmp_path, 'convnext-micro')
    config = (f'{REPO_ROOT}/configs/detection/swin/'
              'mask-rcnn_swin-micro_fpn_1x_coco.py')
    dst = tmp_path / 'converted.pth'
    result = convert(config, src, dst)
    assert result.returncode != 0
    assert 'does not match the model' in result.stderr
    assert 'backbone.stages.0.0.dw_' in result.stderr  # names the keys
    assert not dst.exists()
