"""Compare mixers: complexity, effective receptive field, invariance and
adversarial robustness of several classifiers on one image set, as one
folder with a markdown report (report.md) embedding plots and tables.

    python tools/analysis/compare.py \
        swin=configs/classification/swin/swin-tiny_8xb128_in1k.py:swin.pth \
        convnext=configs/classification/convnext/convnext-tiny_32xb128_in1k.py:\
convnext.pth \
        --images data/imagenet/val --ann-file data/imagenet/meta/val.txt \
        --max-images 50 --out work_dirs/compare [--analyses erf invariance]
"""
from mmstm.analysis.cli import main

if __name__ == '__main__':
    main(__doc__.splitlines()[0])
