"""Write the README of the ablation configs: for every mixer, the steps from
its original design to the unified model with parameters, FLOPs and the
published top-1.

    python tools/analysis/ablation_table.py

writes configs/classification/ablation/README.md.
"""
import argparse
import glob
import os.path as osp

from mmstm.analysis.ablation_table import ablation_markdown, ablation_rows

INTRO = """# From the original designs to the unified network

Each folder is a path of configs, one switch of `mmstm.UnifiedBackbone` (or
of the classifier's neck) per step, each step inheriting the previous one;
all use the paper's ImageNet recipe of the unified tiny model. Step 0 of
Swin and ConvNeXt are the published Swin-T and ConvNeXt-T; the last step of
every path is the released unified tiny network. Train any step like the
other ImageNet configs (`tools/dist_train.sh CONFIG 8`).

This file is generated: `python tools/analysis/ablation_table.py`
(parameters and FLOPs are computed from the built models; FLOPs include the
attention products and DCNv3's sampling).
"""


# the paper's two original designs first, then the other mixers
PAPER_ORDER = ['swin', 'convnext', 'halo', 'pvt', 'dcnv3']


def paper_order(folder):
    name = osp.basename(osp.dirname(folder))
    return (PAPER_ORDER.index(name) if name in PAPER_ORDER
            else len(PAPER_ORDER), name)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--ablation-dir',
                        default='configs/classification/ablation')
    parser.add_argument('--out', help='default: README.md in ablation-dir')
    return parser.parse_args()


def main():
    args = parse_args()
    out = args.out or osp.join(args.ablation_dir, 'README.md')
    sections = [INTRO]
    families = sorted(glob.glob(osp.join(args.ablation_dir, '*', '')),
                      key=paper_order)
    for family in families:
        configs = sorted(glob.glob(osp.join(family, '*.py')))
        name = osp.basename(osp.dirname(family))
        print(f'{name}: {len(configs)} steps', flush=True)
        rows = list(ablation_rows(configs))
        sections.append(f'## {name}\n\n'
                        + ablation_markdown(rows, osp.dirname(out)))
    with open(out, 'w') as f:
        f.write('\n'.join(sections))
    print(f'written {out}')


if __name__ == '__main__':
    main()
