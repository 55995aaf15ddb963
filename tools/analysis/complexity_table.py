"""Parameters, FLOPs and throughput of several configs as one table
(markdown + CSV).

    python tools/analysis/complexity_table.py CONFIG [CONFIG ...] \
        --resolutions 224 384 --batch-size 8 --out work_dirs/complexity
"""
import argparse
import os
import os.path as osp

import torch

from mmstm.analysis.complexity_table import complexity_rows, write_tables


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    parser.add_argument('--resolutions', type=int, nargs='+', default=[224])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--channels-last', action='store_true')
    parser.add_argument('--no-train', action='store_true',
                        help='time inference only')
    parser.add_argument('--repeats', type=int, default=5,
                        help='timed runs per measurement (0: no timing)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int)
    parser.add_argument('--backbone', action='store_true')
    parser.add_argument('--out', default='work_dirs/complexity/table',
                        help='output prefix for .csv and .md')
    return parser.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    rows = complexity_rows(
        args.configs, args.resolutions, args.batch_size, args.device,
        args.amp, args.channels_last, not args.no_train, args.warmup,
        args.repeats, args.backbone,
        progress=lambda row: print(row, flush=True))
    print(write_tables(rows, args.out))
    print(f'written {args.out}.csv and {args.out}.md')


if __name__ == '__main__':
    main()
