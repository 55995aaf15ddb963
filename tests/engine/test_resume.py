"""Interrupt after epoch 2, resume, and reach exactly the uninterrupted run."""
import torch
from mmengine.config import Config
from mmengine.hooks import Hook
from mmengine.runner import Runner

from tests.conftest import CLASSIFICATION_DEMO, TINY_ARCH


class Interrupt(Exception):
    pass


class StopAfterEpoch(Hook):
    priority = 'LOWEST'  # after CheckpointHook has saved the epoch

    def __init__(self, epoch):
        self.epoch = epoch

    def after_train_epoch(self, runner):
        if runner.epoch + 1 == self.epoch:  # epoch counts from 0 here
            raise Interrupt


class RecordEpochs(Hook):

    def __init__(self):
        self.started = []

    def before_train_epoch(self, runner):
        self.started.append((runner.epoch, runner.iter))


def make_cfg(data_root, work_dir, name):
    cfg = Config.fromfile(CLASSIFICATION_DEMO)
    cfg.work_dir = str(work_dir)
    cfg.experiment_name = name
    cfg.model.backbone.update(arch=TINY_ARCH, drop_path_rate=0.2)
    for loader in (cfg.train_dataloader, cfg.val_dataloader):
        loader.update(batch_size=8, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = data_root
        loader.dataset.classes = f'{data_root}/classes.txt'
    cfg.train_cfg.update(max_epochs=3, val_interval=100)
    cfg.default_hooks.checkpoint = dict(type='mmstm.SafeCheckpointHook',
                                        interval=1)
    cfg.default_hooks.logger = dict(type='LoggerHook', interval=1)
    cfg.custom_hooks = [dict(type='mmstm.RandomStateHook')]
    cfg.log_level = 'WARNING'
    return cfg


def train(cfg, extra_hooks=()):
    runner = Runner.from_cfg(cfg)
    for hook in extra_hooks:
        runner.register_hook(hook)
    try:
        runner.train()
    except Interrupt:
        pass
    return runner


def test_resume_continues_exactly(demo_classification, tmp_path):
    uninterrupted = train(make_cfg(demo_classification, tmp_path / 'a', 'a'))

    interrupted_dir = tmp_path / 'b'
    first = train(make_cfg(demo_classification, interrupted_dir, 'b1'),
                  [StopAfterEpoch(2)])
    assert first.iter == 6  # 2 epochs x 3 iterations
    assert (interrupted_dir / 'epoch_2.pth').exists()
    assert not (interrupted_dir / 'epoch_3.pth').exists()

    cfg = make_cfg(demo_classification, interrupted_dir, 'b2')
    cfg.resume = True  # what --resume / --auto-resume set
    epochs = RecordEpochs()
    resumed = train(cfg, [epochs])
    assert epochs.started == [(2, first.iter)]  # 0-based: the 3rd epoch
    assert resumed.epoch == 3 == uninterrupted.epoch

    expected = uninterrupted.model.state_dict()
    got = resumed.model.state_dict()
    assert expected.keys() == got.keys()
    for key in expected:
        assert torch.equal(expected[key], got[key]), key

    expected_opt = uninterrupted.optim_wrapper.state_dict()['state']
    got_opt = resumed.optim_wrapper.state_dict()['state']
    for index in expected_opt:
        for name, value in expected_opt[index].items():
            assert torch.equal(torch.as_tensor(value),
                               torch.as_tensor(got_opt[index][name]))
    for a, b in zip(uninterrupted.param_schedulers, resumed.param_schedulers):
        assert a.state_dict() == b.state_dict()
    assert uninterrupted.optim_wrapper.get_lr() == \
        resumed.optim_wrapper.get_lr()


def test_load_from_an_mmengine_checkpoint(demo_classification, tmp_path):
    runner = train(make_cfg(demo_classification, tmp_path / 'src', 'src'),
                   [StopAfterEpoch(1)])
    cfg = make_cfg(demo_classification, tmp_path / 'dst', 'dst')
    cfg.load_from = str(tmp_path / 'src' / 'epoch_1.pth')
    target = Runner.from_cfg(cfg)
    target.load_or_resume()
    assert target.epoch == 0  # load_from takes weights, not progress
    for key, value in runner.model.state_dict().items():
        assert torch.equal(value, target.model.state_dict()[key])
