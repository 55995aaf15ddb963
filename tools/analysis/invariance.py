"""Translation, rotation and scale invariance of classifiers on a labelled
image set: invariance.csv, invariance.png (all models) and report.md.

    python tools/analysis/invariance.py [NAME=]CONFIG:CHECKPOINT [...] \
        --images data/imagenet/val --ann-file data/imagenet/meta/val.txt \
        --max-images 500 --out work_dirs/invariance \
        [--invariance-protocol paper|mmstm] [--seed 0] [--weights raw|ema]

The paper's protocol is the default: its code's views, one translation
direction per image drawn with --seed; ``mmstm`` shifts every image in all
eight directions.
"""
from mmstm.analysis.cli import main

if __name__ == '__main__':
    main(__doc__.splitlines()[0], analyses=('invariance', ))
