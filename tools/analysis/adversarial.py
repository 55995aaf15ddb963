"""FGSM and PGD (L-inf, pixel space) against classifiers on a labelled image
set: adversarial.csv, adversarial.png and report.md.

    python tools/analysis/adversarial.py [NAME=]CONFIG:CHECKPOINT [...] \
        --images data/imagenet/val --ann-file data/imagenet/meta/val.txt \
        --epsilons 0.5 1 2 4 --out work_dirs/adversarial
"""
from mmstm.analysis.cli import main

if __name__ == '__main__':
    main(__doc__.splitlines()[0], analyses=('adversarial', ))
