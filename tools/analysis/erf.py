"""Effective receptive field of the four stages of classifiers (RepLKNet's
method): one PNG and one JSON of area ratios per model, and report.md.

    python tools/analysis/erf.py [NAME=]CONFIG:CHECKPOINT [...] \
        --images data/imagenet/val --max-images 50 --out work_dirs/erf
"""
from mmstm.analysis.cli import main

if __name__ == '__main__':
    main(__doc__.splitlines()[0], analyses=('erf', ))
