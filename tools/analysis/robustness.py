"""Evaluate an ImageNet-1K classifier on ImageNet-C, -A, -R or -Sketch.

    python tools/analysis/robustness.py CONFIG CHECKPOINT \
        --benchmark imagenet-a \
        --data-root data/imagenet-a [--work-dir DIR] [--launcher pytorch]

The benchmark's dataset and metric (configs/classification/robustness/) replace
the test split of the model config; the metrics are printed and written to
<work-dir>/<benchmark>.json.
"""
import argparse
import json
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.runner import Runner

from mmstm.engine import (add_weights_argument, amp_without_cuda,
                          load_for_evaluation, without_ema_hooks)

BENCHMARKS_DIR = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'configs/classification/robustness')
BENCHMARKS = ('imagenet-a', 'imagenet-r', 'imagenet-sketch', 'imagenet-c')


def with_benchmark(cfg, benchmark_config, data_root):
    """``cfg`` whose test split is the benchmark's, reading ``data_root``."""
    bench = Config.fromfile(benchmark_config)
    cfg.test_dataloader = bench.test_dataloader
    cfg.test_dataloader.dataset.data_root = data_root
    cfg.test_evaluator = bench.test_evaluator
    imports = list(cfg.get('custom_imports', {}).get('imports', []))
    cfg.custom_imports = dict(
        imports=imports + [i for i in bench.custom_imports.imports
                           if i not in imports],
        allow_failed_imports=False)
    return cfg


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--benchmark', required=True, choices=BENCHMARKS)
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--work-dir')
    parser.add_argument('--batch-size', type=int)
    parser.add_argument('--num-workers', type=int)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    add_weights_argument(parser)
    parser.add_argument('--launcher', default='none',
                        choices=['none', 'pytorch', 'slurm', 'mpi'])
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args()
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args


def main():
    args = parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg = with_benchmark(cfg, osp.join(BENCHMARKS_DIR, args.benchmark + '.py'),
                         args.data_root)
    loader = cfg.test_dataloader
    if args.batch_size:
        loader.batch_size = args.batch_size
    if args.num_workers is not None:
        loader.num_workers = args.num_workers
        loader.persistent_workers = args.num_workers > 0
    cfg.work_dir = args.work_dir or osp.join(
        'work_dirs', osp.splitext(osp.basename(args.config))[0])
    cfg.load_from = None  # loaded strictly below
    without_ema_hooks(cfg)  # one set of weights, chosen by --weights
    cfg.launcher = args.launcher
    runner = Runner.from_cfg(amp_without_cuda(cfg))
    load_for_evaluation(runner.model, args.checkpoint, args.weights)
    metrics = runner.test()
    if runner.rank == 0:
        out = osp.join(cfg.work_dir, args.benchmark + '.json')
        with open(out, 'w') as f:
            json.dump(metrics, f, indent=1)
        print(json.dumps(metrics, indent=1))
        print(f'written {out}')


if __name__ == '__main__':
    main()
