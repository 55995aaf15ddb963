"""The demo arena's table of every mixer: demo top-1 (mean ± std over the
seeds run by scripts/demo_mixers.sh), training minutes, and the micro
model's parameters, FLOPs and CPU throughput.

    python tools/analysis/demo_arena_table.py [--root work_dirs/demo_mixers]
        [--resolution 224] [--batch-size 8] [--repeats 5] [--threads 2]

``--repeats 0`` leaves throughput out (parameters and FLOPs are still
computed).
"""
import argparse

import torch

from mmstm.analysis.complexity_table import complexity_rows
from mmstm.analysis.demo_arena import arena_markdown, collect_runs
from mmstm.models.backbones.archs import FAMILY_NAMES

DEMO_CONFIG = ('configs/classification/demo/'
               '{}-micro_1xb64_paper-recipe_demo-shapes.py')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--root', default='work_dirs/demo_mixers')
    parser.add_argument('--resolution', type=int, default=224)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int)
    parser.add_argument('--no-complexity', action='store_true',
                        help='accuracy columns only (builds no model)')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    runs = collect_runs(args.root)
    families = list(FAMILY_NAMES)
    complexity = None
    if not args.no_complexity:
        rows = complexity_rows(
            [DEMO_CONFIG.format(f) for f in families], [args.resolution],
            args.batch_size, repeats=args.repeats,
            progress=lambda row: print(row, flush=True))
        complexity = dict(zip(families, rows))
        print(f'(complexity: micro models, {args.resolution}x'
              f'{args.resolution}, batch {args.batch_size}, '
              f'{torch.get_num_threads()} CPU threads)')
    print(arena_markdown(runs, families, complexity))


if __name__ == '__main__':
    main()
