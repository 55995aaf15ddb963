"""tools/test.py's --show-dir and --tta per task."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmstm.engine.test_time import (draw_test_results,
                                    use_test_time_augmentation)

from tests.conftest import REPO_ROOT

DEMOS = {task: osp.join(REPO_ROOT, 'configs', task, 'demo', name) for
         task, name in [
             ('classification', 'convnext-micro_1xb64_demo-shapes.py'),
             ('detection', 'mask-rcnn_convnext-micro_fpn_demo-shapes.py'),
             ('segmentation', 'upernet_convnext-micro_demo-shapes.py')]}


def demo(task):
    return Config.fromfile(DEMOS[task])


def test_show_dir_switches_on_each_task_s_drawing():
    hooks = draw_test_results(demo('classification'), '/out').default_hooks
    assert hooks.visualization.enable and hooks.visualization.out_dir == '/out'
    hooks = draw_test_results(demo('detection'), '/out').default_hooks
    assert hooks.visualization.draw
    assert hooks.visualization.test_out_dir == '/out'
    cfg = draw_test_results(demo('segmentation'), '/out')
    assert cfg.default_hooks.visualization.draw
    assert cfg.visualizer.save_dir == '/out'


def test_classification_tta_falls_back_to_flip():
    cfg = demo('classification')
    assert 'tta_model' not in cfg
    pipeline = cfg.test_dataloader.dataset.pipeline
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'AverageClsScoreTTA'
    assert cfg.model.module.type == 'ImageClassifier'
    tta = cfg.test_dataloader.dataset.pipeline
    assert tta[:-1] == pipeline[:-1]
    flips, packing = tta[-1].transforms
    assert [f['prob'] for f in flips] == [1.0, 0.0]
    assert packing == [pipeline[-1]]


def test_detection_tta_is_refused_for_masks_and_flips_boxes():
    with pytest.raises(ValueError, match='instance masks'):
        use_test_time_augmentation(demo('detection'))
    cfg = demo('detection')
    cfg.model.roi_head.mask_head = None  # a box-only detector
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'DetTTAModel'
    packing, = cfg.test_dataloader.dataset.pipeline[-1].transforms[1]
    assert 'flip_direction' in packing['meta_keys']


def test_segmentation_tta_is_the_config_s_own():
    cfg = demo('segmentation')
    own = cfg.tta_pipeline
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'SegTTAModel'
    assert cfg.test_dataloader.dataset.pipeline == own
