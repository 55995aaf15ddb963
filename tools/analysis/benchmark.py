"""Throughput (images/s) of the model of a config, for inference and for a
training step: the median of repeated timed runs after warm-up.

    python tools/analysis/benchmark.py CONFIG [--batch-size 8] [--shape 224]
        [--device cuda] [--amp] [--channels-last] [--mode infer train]
"""
import argparse

import torch
from mmengine.config import DictAction

from mmstm.analysis.complexity import measure_throughput
from mmstm.analysis.models import TensorForward, build_model, load_config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height [width] (default 224)')
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
    parser.add_argument('--backbone', action='store_true',
                        help='time the backbone only')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    if len(args.shape) not in (1, 2):
        raise SystemExit('--shape takes a height and an optional width')
    if args.threads:
        torch.set_num_threads(args.threads)
    size = (args.shape[0], args.shape[-1])
    model = TensorForward(
        build_model(load_config(args.config, args.cfg_options)),
        args.backbone)
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
        print(f'peak memory: {torch.cuda.max_memory_allocated(device) / 2**20:.0f} MiB')


if __name__ == '__main__':
    main()
