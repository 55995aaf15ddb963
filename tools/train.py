"""Train any mmstm config (classification, detection or segmentation).

The task is chosen by the config: its ``default_scope`` (mmpretrain, mmdet or
mmseg) and model decide which library's runner components are used.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

from mmstm.datasets import name_files_in_read_errors, skip_unreadable_images
from mmstm.engine import (AMP_DTYPES, amp_without_cuda, check_start_checkpoint,
                          end_gloo_process_group, lock_work_dir_of_run,
                          use_amp, use_gloo_without_cuda)
from mmstm.engine.compile import COMPILE_SCOPES
from mmstm.engine.runner_defaults import (apply_dataloader_defaults,
                                          build_runner)


def parse_args():
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where to save logs and models '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--resume', nargs='?', type=str, const='auto',
        help='resume from this checkpoint; with no value, from the latest '
        'checkpoint in the work directory')
    parser.add_argument('--auto-resume', action='store_true',
                        help='same as --resume with no value')
    parser.add_argument(
        '--amp', nargs='?', const='float16', choices=AMP_DTYPES,
        help='automatic mixed precision, float16 (the default, as the '
        'paper) or bfloat16 (which also runs on the CPU)')
    parser.add_argument(
        '--compile', nargs='?', const='whole', choices=COMPILE_SCOPES,
        help='train with torch.compile: the whole backbone and neck (the '
        'default) or each block of the backbone on its own (regional); the '
        'first steps\' times are logged')
    parser.add_argument('--no-validate', action='store_true',
                        help='skip evaluation during training')
    parser.add_argument('--auto-scale-lr', action='store_true',
                        help='scale the learning rate with the actual batch')
    parser.add_argument('--no-pin-memory', action='store_true',
                        help='no pinned memory in the dataloaders')
    parser.add_argument('--no-persistent-workers', action='store_true',
                        help='no persistent dataloader workers')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. train_cfg.max_epochs=2')
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def merge_args(cfg, args):
    cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    if args.amp:
        use_amp(cfg, args.amp)
    if args.compile:
        options = cfg.get('compile')
        options = dict(options) if isinstance(options, dict) else {}
        cfg.compile = dict(options, regional=args.compile == 'regional')
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in \
                cfg.auto_scale_lr:
            raise KeyError('--auto-scale-lr needs auto_scale_lr.'
                           'base_batch_size in the config')
        cfg.auto_scale_lr.enable = True
    if args.auto_resume or args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    apply_dataloader_defaults(
        cfg, pin_memory=not args.no_pin_memory,
        persistent_workers=not args.no_persistent_workers)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg = skip_unreadable_images(amp_without_cuda(cfg))
    cfg = name_files_in_read_errors(cfg, splits=('train', 'val'))
    return use_gloo_without_cuda(cfg)


def check_schedule(cfg):
    """Stop with the setting to change when a scheduler would start after
    training ends (e.g. ``--cfg-options train_cfg.max_epochs=2`` on a
    schedule whose warm-up lasts 2 epochs), instead of mmengine's "end
    should be larger than begin"."""
    train_cfg = cfg.get('train_cfg') or {}
    schedulers = cfg.get('param_scheduler') or []
    if isinstance(schedulers, dict):
        schedulers = [schedulers]
    by_epoch = 'max_epochs' in train_cfg
    length = train_cfg.get('max_epochs' if by_epoch else 'max_iters')
    if length is None:
        return
    unit = 'epoch' if by_epoch else 'iteration'
    for i, scheduler in enumerate(schedulers):
        if scheduler.get('by_epoch', True) != by_epoch:
            continue  # e.g. a per-iteration warm-up in an epoch-based run
        begin = scheduler.get('begin', 0)
        if begin >= length:
            raise ValueError(
                f'param_scheduler[{i}] ({scheduler.get("type")}) begins at '
                f'{unit} {begin}, but training stops after {length} '
                f'{unit}s (train_cfg.max_{unit}s). Shorten the schedule to '
                f'fit, e.g. --cfg-options param_scheduler.{i}.begin=B'
                + (f' param_scheduler.{i - 1}.end=B' if i else '')
                + f' with B < {length}, or train longer.')


def main():
    args = parse_args()
    cfg = merge_args(Config.fromfile(args.config), args)
    check_schedule(cfg)
    lock_work_dir_of_run(cfg.work_dir, cfg.launcher)
    check_start_checkpoint(cfg)
    build_runner(cfg).train()
    end_gloo_process_group()


if __name__ == '__main__':
    main()
