"""Throughput (images/s) of the model of a config, for inference and for a
training step: the median and spread of repeated timed runs after warm-up,
and the peak memory of each (CPU: process RSS; CUDA: max allocated).

    python tools/analysis/benchmark.py CONFIG [--batch-size 8] [--shape 224]
        [--device cuda] [--amp [float16|bfloat16]] [--channels-last]
        [--compile [whole|regional]]
        [--mode infer train]

On the CPU each mode runs in a process of its own, so that its peak RSS is
its own and not the larger of both.
"""
import argparse
import subprocess
import sys

import torch

from mmstm.analysis.complexity import measure_throughput
from mmstm.analysis.models import (add_model_arguments, input_size,
                                   model_from_arguments)
from mmstm.engine import AMP_DTYPES
from mmstm.engine.compile import COMPILE_SCOPES


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument(
        '--amp', nargs='?', const=True, choices=AMP_DTYPES,
        help='autocast, in the dtype given (default: float16 on CUDA, '
        'bfloat16 on the CPU)')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument(
        '--compile', nargs='?', const='whole', choices=COMPILE_SCOPES,
        help='torch.compile the model, whole (the default) or each block '
        '(regional); the first warm-up run compiles, its time printed apart')
    parser.add_argument('--mode', nargs='+', default=['infer', 'train'],
                        choices=['infer', 'train'])
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--threads', type=int,
                        help='CPU threads (torch.set_num_threads)')
    return parser.parse_args()


def describe(mode, result, repeats):
    runs_ms = [t * 1e3 for t in result['runs_s']]
    return (f'{mode}: {result["images_per_s"]:.1f} images/s (median '
            f'{result["median_s"] * 1e3:.1f} ms per batch over {repeats} '
            f'runs, min {min(runs_ms):.1f}, max {max(runs_ms):.1f}, spread '
            f'{100 * result["spread"]:.0f}%; first run '
            f'{result["first_run_s"]:.1f} s); {result["peak_memory_kind"]} '
            f'{result["peak_memory_mib"]:.0f} MiB')


def run_in_own_process(mode):
    """This script for one mode, in a fresh interpreter (its own RSS)."""
    argv = list(sys.argv[1:])
    if '--mode' in argv:
        start = argv.index('--mode')
        end = start + 1
        while end < len(argv) and not argv[end].startswith('--'):
            end += 1
        del argv[start:end]
    result = subprocess.run([sys.executable, __file__, *argv, '--mode', mode],
                            capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(result.stderr[-3000:])
    return result.stdout.splitlines()[-1]


def main():
    args = parse_args()
    size = input_size(args.shape)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' \
        else f'CPU ({torch.get_num_threads()} threads)'
    print(f'config: {args.config}')
    print(f'device: {name}, batch {args.batch_size}, input 3x{size[0]}x'
          f'{size[1]}, amp {args.amp or False}, channels_last '
          f'{args.channels_last}, compile {args.compile or False}')
    if device.type == 'cpu' and len(args.mode) > 1:
        for mode in args.mode:
            print(run_in_own_process(mode), flush=True)
        return
    model = model_from_arguments(args)
    for mode in args.mode:
        result = measure_throughput(
            model, args.batch_size, size, device=device,
            train=mode == 'train', amp=args.amp,
            channels_last=args.channels_last, warmup=args.warmup,
            repeats=args.repeats, compile=args.compile)
        print(describe(mode, result, args.repeats), flush=True)


if __name__ == '__main__':
    main()
