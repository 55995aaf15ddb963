"""Parameters and FLOPs of the model of a config.

    python tools/analysis/get_flops.py CONFIG [--shape 224 224] [--backbone]
"""
import argparse

from mmstm.analysis.complexity import count_flops, count_parameters
from mmstm.analysis.models import (add_model_arguments, input_size,
                                   model_from_arguments)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_model_arguments(parser)
    args = parser.parse_args()
    height, width = input_size(args.shape)
    model = model_from_arguments(args)
    flops = count_flops(model, (1, 3, height, width))
    params = count_parameters(model.measured)
    print(f'config: {args.config}')
    print(f'input: 3x{height}x{width}')
    print(f'params: {params:,} ({params / 1e6:.2f} M)')
    print(f'flops: {flops:,} ({flops / 1e9:.2f} G)')


if __name__ == '__main__':
    main()
