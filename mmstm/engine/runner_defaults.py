"""What the OpenMMLab training scripts add to a config before building the
runner: mmpretrain's dataloader defaults, and a custom ``runner_type``."""
import torch
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .compile import compile_options, compile_runner_model

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def apply_dataloader_defaults(cfg, pin_memory=True, persistent_workers=True):
    """Fill what a dataloader config leaves unset, as mmpretrain's train.py
    does: pinned memory (where there is a GPU to pin for), persistent
    workers (where there are workers to keep) and, for classification,
    ``default_collate``. Settings in the config win."""
    for field in DATALOADERS:
        loader = cfg.get(field)
        if loader is None:
            continue
        loader.setdefault('pin_memory',
                          pin_memory and torch.cuda.is_available())
        loader.setdefault('persistent_workers', persistent_workers
                          and loader.get('num_workers', 0) > 0)
        if cfg.get('default_scope') == 'mmpretrain':
            loader.setdefault('collate_fn', dict(type='default_collate'))
    return cfg


def build_runner(cfg):
    """The config's ``runner_type`` from mmengine's runner registry, else
    mmengine's ``Runner``; with the config's ``compile`` applied to the
    model's backbone and neck (:mod:`mmstm.engine.compile`)."""
    compile_options(cfg.get('compile'))  # a wrong option fails here, early
    runner = RUNNERS.build(cfg) if 'runner_type' in cfg else \
        Runner.from_cfg(cfg)
    return compile_runner_model(runner)
