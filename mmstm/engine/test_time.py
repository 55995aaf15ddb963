"""What ``tools/test.py --show-dir`` and ``--tta`` change in a config, per
task (the config's ``default_scope``), as each library's own test script
does: drawing through the task's visualization hook, and a flip
test-time augmentation where the config brings none."""
from copy import deepcopy

from mmengine.config import ConfigDict

# the model that merges the flipped and plain predictions, per task (the
# names resolve in the config's default scope)
DEFAULT_TTA_MODELS = {
    'mmpretrain': dict(type='AverageClsScoreTTA'),
    'mmdet': dict(type='DetTTAModel',
                  tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.5),
                               max_per_img=100)),
}
# detection packs the flip into the metadata, to flip the boxes back
TTA_PACKING = {
    'mmdet': dict(type='PackDetInputs',
                  meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape',
                             'scale_factor', 'flip', 'flip_direction')),
}
# the keys of a visualization hook that switch drawing on and set where
VISUALIZATION_KEYS = {
    'mmpretrain': lambda out_dir: dict(enable=True, out_dir=out_dir,
                                       interval=1),
    'mmdet': lambda out_dir: dict(draw=True, test_out_dir=out_dir),
    'mmseg': lambda out_dir: dict(draw=True),
}


def task_of(cfg):
    scope = cfg.get('default_scope')
    if scope not in VISUALIZATION_KEYS:
        raise KeyError(f'default_scope {scope!r} is none of '
                       f'{sorted(VISUALIZATION_KEYS)}: which task is this?')
    return scope


def draw_test_results(cfg, out_dir, tta=False):
    """Turn on the task's visualization hook, writing images to
    ``out_dir``; ``tta``: the test will be augmented."""
    hooks = cfg.get('default_hooks', {})
    if 'visualization' not in hooks:
        raise KeyError('--show-dir needs a visualization hook in '
                       'default_hooks (the libraries\' runtime bases have '
                       'one)')
    task = task_of(cfg)
    if tta and task == 'mmpretrain':
        # its hook draws the batch tensor, which TTA turns into a list
        raise ValueError('mmpretrain\'s visualization hook cannot draw '
                         'test-time augmented batches: use --show-dir and '
                         '--tta in separate runs')
    hooks.visualization.update(VISUALIZATION_KEYS[task](out_dir))
    if task == 'mmseg':  # the seg hook writes through the visualizer
        cfg.visualizer.save_dir = out_dir
    return cfg


def flip_tta_pipeline(test_pipeline, packing=None):
    """``test_pipeline`` whose packing step (or ``packing``) runs on the
    image and on its horizontal flip."""
    pipeline = deepcopy(test_pipeline)
    pipeline[-1] = dict(
        type='TestTimeAug',
        transforms=[[dict(type='RandomFlip', prob=1.0),
                     dict(type='RandomFlip', prob=0.0)],
                    [packing or test_pipeline[-1]]])
    return pipeline


def use_test_time_augmentation(cfg):
    """Wrap the model in the config's ``tta_model`` and test with its
    ``tta_pipeline``; where a classification or detection config has none,
    flip TTA as mmpretrain's and mmdet's test scripts do."""
    task = task_of(cfg)
    if task == 'mmdet' and cfg.model.get('roi_head', {}).get('mask_head'):
        raise ValueError('--tta: mmdet\'s test-time augmentation does not '
                         'merge instance masks, so it cannot test Mask R-CNN; '
                         'it works for box-only detectors')
    dataset = cfg.test_dataloader.dataset
    while 'dataset' in dataset:  # wrapped datasets
        dataset = dataset.dataset
    if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
        if task not in DEFAULT_TTA_MODELS:
            raise KeyError('--tta needs tta_model and tta_pipeline in a '
                           f'{task} config')
        cfg.setdefault('tta_model', DEFAULT_TTA_MODELS[task])
        cfg.setdefault('tta_pipeline', flip_tta_pipeline(
            dataset.pipeline, TTA_PACKING.get(task)))
    dataset.pipeline = cfg.tta_pipeline
    cfg.model = ConfigDict(**cfg.tta_model, module=cfg.model)
    return cfg
