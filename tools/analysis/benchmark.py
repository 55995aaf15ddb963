"""Throughput (images/s) of the model of a config, for inference and for a
training step: the median of repeated timed runs after warm-up.

    python tools/analysis/benchmark.py CONFIG [--batch-size 8] [--shape 224]
        [--device cuda] [--amp] [--channels-last] [--mode infer train]
"""
import argparse

import torch

from mmstm.analysis.complexity import measure_throughput
from mmstm.analysis.models import (add_model_arguments, input_size,
                                   model_from_arguments)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true',
                        help='autocast (fp16 on CUDA, bf16 on CPU)')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--mode', nargs='+', default=['infer', 'train'],
                        choices=['infer', 'train'])
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--repeats', type=int, default=10)
    parser.add_argument('--threads', type=int,
                        help='CPU threads (torch.set_num_threads)')
    return parser.parse_args()


def main():
    args = parse_args()
    size = input_size(args.shape)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = model_from_arguments(args)
    device = torch.device(args.device)
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' \
        else f'CPU ({torch.get_num_threads()} threads)'
    print(f'config: {args.config}')
    print(f'device: {name}, batch {args.batch_size}, input 3x{size[0]}x'
          f'{size[1]}, amp {args.amp}, channels_last {args.channels_last}')
    for mode in args.mode:
        result = measure_throughput(
            model, args.batch_size, size, device=device,
            train=mode == 'train', amp=args.amp,
            channels_last=args.channels_last, warmup=args.warmup,
            repeats=args.repeats)
        spread = (min(result['runs_s']), max(result['runs_s']))
        print(f'{mode}: {result["images_per_s"]:.1f} images/s (median '
              f'{result["median_s"] * 1e3:.1f} ms per batch over '
              f'{args.repeats} runs, min {spread[0] * 1e3:.1f}, max '
              f'{spread[1] * 1e3:.1f})')
    if device.type == 'cuda':
        peak = torch.cuda.max_memory_allocated(device) / 2**20
        print(f'peak memory: {peak:.0f} MiB')


if __name__ == '__main__':
    main()
