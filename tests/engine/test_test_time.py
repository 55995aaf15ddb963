"""tools/test.py's --show-dir and --tta per task."""
import pytest

from mmstm.engine.test_time import (draw_test_results,
                                    use_test_time_augmentation)

from tests.conftest import demo_config


def test_show_dir_switches_on_each_task_s_drawing():
    hooks = draw_test_results(demo_config('classification'),
                              '/out').default_hooks
    assert hooks.visualization.enable and hooks.visualization.out_dir == '/out'
    hooks = draw_test_results(demo_config('detection'), '/out').default_hooks
    assert hooks.visualization.draw
    assert hooks.visualization.test_out_dir == '/out'
    cfg = draw_test_results(demo_config('segmentation'), '/out')
    assert cfg.default_hooks.visualization.draw
    assert cfg.visualizer.save_dir == '/out'


def test_classification_tta_falls_back_to_flip():
    cfg = demo_config('classification')
    assert 'tta_model' not in cfg
    pipeline = cfg.test_dataloader.dataset.pipeline
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'AverageClsScoreTTA'
    assert cfg.model.module.type == 'mmstm.UnifiedImageClassifier'
    tta = cfg.test_dataloader.dataset.pipeline
    assert tta[:-1] == pipeline[:-1]
    flips, packing = tta[-1].transforms
    assert [f['prob'] for f in flips] == [1.0, 0.0]
    assert packing == [pipeline[-1]]


def test_detection_tta_is_refused_for_masks_and_flips_boxes():
    with pytest.raises(ValueError, match='instance masks'):
        use_test_time_augmentation(demo_config('detection'))
    cfg = demo_config('detection')
    cfg.model.roi_head.mask_head = None  # a box-only detector
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'DetTTAModel'
    packing, = cfg.test_dataloader.dataset.pipeline[-1].transforms[1]
    assert 'flip_direction' in packing['meta_keys']


def test_segmentation_tta_is_the_config_s_own():
    cfg = demo_config('segmentation')
    own = cfg.tta_pipeline
    cfg = use_test_time_augmentation(cfg)
    assert cfg.model.type == 'SegTTAModel'
    assert cfg.test_dataloader.dataset.pipeline == own
