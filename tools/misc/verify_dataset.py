"""Check a config's datasets before training: every image and annotation of
the chosen splits is read, and the unreadable, invalid or silently dropped
ones (for COCO: what mmdet drops while parsing) are counted per reason, with
the first few of each named. Exits 1 if any is found (or an annotation file
cannot be read at all), 0 otherwise.

    python tools/misc/verify_dataset.py CONFIG [--splits train val test]
"""
import argparse
import sys

from mmengine.config import Config, DictAction
from mmengine.registry import DATASETS, init_default_scope
from mmengine.utils import ProgressBar

import mmstm  # noqa: F401
from mmstm.datasets.verify import dataset_problems, summarise


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--splits', nargs='+', default=['train', 'val'],
                        choices=['train', 'val', 'test'])
    parser.add_argument('--examples', type=int, default=3,
                        help='problems named per reason')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    found = 0
    for split in args.splits:
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        try:
            dataset = DATASETS.build(loader.dataset)
        except Exception as error:
            print(f'[{split}] the dataset cannot be built: '
                  f'{type(error).__name__}: {error}')
            found += 1
            continue
        print(f'[{split}] checking {len(dataset)} samples')
        problems = dataset_problems(dataset, ProgressBar(len(dataset)))
        print()
        for line in summarise(problems, args.examples):
            print(f'[{split}] {line}')
        found += len(problems)
    print(f'{found} problem(s) found' if found else 'no problems found')
    sys.exit(1 if found else 0)


if __name__ == '__main__':
    main()
