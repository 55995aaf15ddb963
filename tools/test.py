"""Evaluate a checkpoint with any mmstm config (classification, detection or
segmentation); the metrics are the config's ``test_evaluator``."""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.evaluator import DumpResults

import mmstm  # noqa: F401  (registers the modules of the configs)
from mmstm.engine import (add_weights_argument, end_gloo_process_group,
                          load_for_evaluation, use_gloo_without_cuda,
                          without_ema_hooks)
from mmstm.engine.runner_defaults import build_runner
from mmstm.engine.test_time import (draw_test_results,
                                    use_test_time_augmentation)


def parse_args():
    parser = argparse.ArgumentParser(description='Test a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file or URL (loaded '
                        'weights-only; a released official file is '
                        'converted on the fly)')
    parser.add_argument('--work-dir', help='where to save the logs')
    parser.add_argument('--out', help='dump the raw predictions to this '
                        'pickle file')
    parser.add_argument('--show-dir', help='draw the predictions on the '
                        'test images into this directory')
    parser.add_argument('--tta', action='store_true',
                        help="test-time augmentation: the config's "
                        'tta_model and tta_pipeline, else flip '
                        '(classification, detection)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config entries, e.g. test_dataloader.batch_size=8')
    add_weights_argument(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    if not args.checkpoint.startswith(('http://', 'https://')) and \
            not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint {args.checkpoint} not found')
    cfg = Config.fromfile(args.config)
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    cfg.launcher = args.launcher
    if args.show_dir:
        draw_test_results(cfg, osp.abspath(args.show_dir), tta=args.tta)
    if args.tta:
        use_test_time_augmentation(cfg)
    cfg.load_from = None  # loaded strictly below, not by the runner
    without_ema_hooks(cfg)  # one set of weights, chosen by --weights
    cfg.resume = False
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs',
                                osp.splitext(osp.basename(args.config))[0])
    runner = build_runner(use_gloo_without_cuda(cfg))
    load_for_evaluation(runner.model, args.checkpoint, args.weights)
    if args.out is not None:
        if not args.out.endswith(('.pkl', '.pickle')):
            raise ValueError('--out must be a .pkl or .pickle file')
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = runner.test()
    print({k: round(float(v), 4) if isinstance(v, (int, float)) else v
           for k, v in metrics.items()})
    end_gloo_process_group()


if __name__ == '__main__':
    main()
