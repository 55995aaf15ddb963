"""Parameters and FLOPs of the model of a config.

    python tools/analysis/get_flops.py CONFIG [--shape 224 224] [--backbone]
"""
import argparse

from mmengine.config import DictAction

from mmstm.analysis.complexity import count_flops, count_parameters
from mmstm.analysis.models import TensorForward, build_model, load_config


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height [width] (default 224)')
    parser.add_argument('--backbone', action='store_true',
                        help='count the backbone only (detectors, '
                        'segmentors)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args()


def main():
    args = parse_args()
    if len(args.shape) not in (1, 2):
        raise SystemExit('--shape takes a height and an optional width')
    height, width = args.shape[0], args.shape[-1]
    model = build_model(load_config(args.config, args.cfg_options))
    flops = count_flops(TensorForward(model, args.backbone),
                        (1, 3, height, width))
    params = count_parameters(model.backbone if args.backbone else model)
    print(f'config: {args.config}')
    print(f'input: 3x{height}x{width}')
    print(f'params: {params:,} ({params / 1e6:.2f} M)')
    print(f'flops: {flops:,} ({flops / 1e9:.2f} G)')


if __name__ == '__main__':
    main()
