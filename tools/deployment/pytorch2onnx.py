"""Export the classifier or backbone of an mmstm config to ONNX, and check it
in onnxruntime against PyTorch.

    python tools/deployment/pytorch2onnx.py CONFIG [CHECKPOINT] --out FILE
        [--shape H [W]] [--dynamic] [--part classifier|backbone]
        [--weights raw|ema] [--benchmark BATCH]

The graph's input is the normalised image (B, 3, H, W): the config's mean and
std (printed) are applied before it. The batch is always dynamic; --dynamic
makes height and width dynamic too, except for the mixers whose graph holds
at one size (the tool says which and why, and exports at --shape). The
exported file is run on a random batch at --shape (and, when its size is
dynamic, at a second size) and the largest differences are printed; above
--tolerance (relative to the output's largest value) the tool fails.
"""
import argparse
import os.path as osp

import torch
from mmengine.config import DictAction

from mmstm.analysis.models import input_size
from mmstm.deployment import (PARTS, compare_outputs, compare_throughput,
                              export_onnx, exportable_model, onnx_session)
from mmstm.engine import add_weights_argument


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?',
                        help='weights to load (default: random init)')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument('--shape', type=int, nargs='+', default=[224],
                        help='input height [width] (default 224)')
    parser.add_argument('--dynamic', action='store_true',
                        help='dynamic height and width where every mixer '
                        'allows')
    parser.add_argument('--part', choices=PARTS,
                        help='default: the classifier of a classification '
                        'config, else the backbone')
    add_weights_argument(parser)
    parser.add_argument('--tolerance', type=float, default=1e-4,
                        help='largest relative difference accepted')
    parser.add_argument('--benchmark', type=int, metavar='BATCH',
                        help='also time inference at this batch size in '
                        'PyTorch and onnxruntime')
    parser.add_argument('--threads', type=int,
                        help='CPU threads of both (default: torch\'s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(argv)


def second_size(height, width):
    """Another (odd) size, at which a dynamic graph is checked too."""
    return height * 3 // 4 | 1, width * 5 // 8 | 1


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    shape = input_size(args.shape)
    model = exportable_model(args.config, args.checkpoint, args.part,
                             args.weights, args.cfg_options)
    preprocessor = model.model.data_preprocessor
    if getattr(preprocessor, 'mean', None) is not None:
        mean, std = (', '.join(f'{v:.3f}' for v in t.flatten().tolist())
                     for t in (preprocessor.mean, preprocessor.std))
        print(f'input: RGB, normalised by mean ({mean}) and std ({std})')
    exported = export_onnx(model, args.out, shape, dynamic=args.dynamic)
    for mixer, reason in exported['fixed_size_reasons'].items():
        print(f'{mixer} needs a fixed input size ({reason}): exported at '
              f'{shape[0]}x{shape[1]}')
    size = 'dynamic' if exported['dynamic_size'] else \
        f'{shape[0]}x{shape[1]}'
    print(f'wrote {args.out} ({osp.getsize(args.out) / 2**20:.1f} MiB): '
          f'input (batch, 3, {size}), outputs '
          f'{", ".join(exported["output_names"])}')

    session = onnx_session(args.out, args.threads)
    checked = [shape] + ([second_size(*shape)] if exported['dynamic_size']
                         else [])
    worst = 0.0
    for height, width in checked:
        inputs = torch.randn(2, 3, height, width)
        diff = compare_outputs(model, session, inputs)
        worst = max(worst, diff['relative'])
        print(f'onnxruntime vs PyTorch at 2x3x{height}x{width}: largest '
              f'difference {diff["max_abs"]:.2e} ({diff["relative"]:.2e} of '
              f'the largest output)')
    if worst > args.tolerance:
        raise SystemExit(f'{args.out} differs from PyTorch by {worst:.2e} '
                         f'(relative), more than --tolerance '
                         f'{args.tolerance:g}')

    if args.benchmark:
        speed = compare_throughput(model, session, args.benchmark, shape)
        for runtime, result in speed.items():
            print(f'{runtime}: {result["images_per_s"]:.1f} images/s '
                  f'(batch {args.benchmark}, {shape[0]}x{shape[1]}, '
                  f'{torch.get_num_threads()} threads, median of 10)')


if __name__ == '__main__':
    main()
