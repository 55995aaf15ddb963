"""tools/train.py's dataloader defaults (mmpretrain's) and runner_type."""
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmstm.engine.runner_defaults import (apply_dataloader_defaults,
                                          build_runner)

from tests.conftest import demo_config


def test_dataloader_defaults_fill_only_what_the_config_leaves_unset():
    cfg = demo_config('classification')
    cfg.train_dataloader.num_workers = 2
    cfg.train_dataloader.pop('persistent_workers', None)
    cfg.val_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.val_dataloader.pop('collate_fn', None)
    apply_dataloader_defaults(cfg)
    assert cfg.train_dataloader.persistent_workers is True
    assert cfg.val_dataloader.persistent_workers is False
    assert cfg.val_dataloader.collate_fn == dict(type='default_collate')
    cfg = apply_dataloader_defaults(demo_config('detection'))
    assert 'collate_fn' not in cfg.test_dataloader or \
        cfg.test_dataloader.collate_fn.type != 'default_collate'


def test_runner_type_picks_a_registered_runner(tmp_path):

    @RUNNERS.register_module(force=True)
    class RecordingRunner(Runner):
        pass

    cfg = demo_config('classification')
    cfg.work_dir = str(tmp_path)
    assert type(build_runner(cfg.copy())) is Runner
    cfg.runner_type = 'RecordingRunner'
    assert type(build_runner(cfg)) is RecordingRunner
