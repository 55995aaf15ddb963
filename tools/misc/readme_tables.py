"""Rewrite the README's generated tables (mixers, released ImageNet and COCO
models) from the registry, the arch table and the model index.

    python tools/misc/readme_tables.py [--check]
"""
import argparse
import os.path as osp
import sys

from mmstm.apis.readme_tables import render

README = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'README.md')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='only report whether the README is up to date')
    args = parser.parse_args()
    with open(README) as f:
        current = f.read()
    wanted = render(current)
    if args.check:
        sys.exit(0 if wanted == current else
                 'README tables are out of date: run '
                 'tools/misc/readme_tables.py')
    with open(README, 'w') as f:
        f.write(wanted)


if __name__ == '__main__':
    main()
