"""Translation, rotation and scale invariance of classifiers on a labelled
image set: invariance.csv, invariance.png (all models) and report.md.

    python tools/analysis/invariance.py [NAME=]CONFIG:CHECKPOINT [...] \
        --images data/imagenet/val --ann-file data/imagenet/meta/val.txt \
        --max-images 500 --out work_dirs/invariance
"""
from mmstm.analysis.cli import main

if __name__ == '__main__':
    main(__doc__.splitlines()[0], analyses=('invariance', ))
