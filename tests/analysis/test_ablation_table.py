"""The ablation README is the generator's output for the committed configs."""
import glob
import os.path as osp

import pytest

from mmstm.analysis.ablation_table import (ablation_markdown, ablation_rows,
                                           step_description)

from tests.conftest import REPO_ROOT

ABLATION = osp.join(REPO_ROOT, 'configs/classification/ablation')


def test_rows_are_computed_from_the_built_model():
    config = glob.glob(osp.join(ABLATION, 'swin', '*_0-original_*.py'))[0]
    row, = ablation_rows([config])
    assert row['params'] == 28_288_354
    assert 4.4 < row['gflops'] < 4.6  # Swin-T: 4.5 GFLOPs published
    assert row['top1'] == 81.3
    assert row['change'].startswith('the original Swin-T')
    line = ablation_markdown([row], ABLATION).splitlines()[-1]
    # the committed README holds exactly this generated row
    with open(osp.join(ABLATION, 'README.md')) as f:
        assert line in f.read().splitlines()


def test_readme_lists_every_step_config():
    with open(osp.join(ABLATION, 'README.md')) as f:
        readme = f.read()
    for config in glob.glob(osp.join(ABLATION, '*', '*.py')):
        assert f'({osp.relpath(config, ABLATION)})' in readme, config


def test_a_config_without_a_leading_comment_is_refused(tmp_path):
    config = tmp_path / 'x.py'
    config.write_text("_base_ = './y.py'\n")
    with pytest.raises(ValueError, match='must start with a comment'):
        step_description(str(config))
