"""Write the demo datasets (classification / detection / segmentation).

Example::

    python tools/dataset_converters/make_demo_data.py --tasks classification \
        --out data/demo --num-train 1200 --num-val 300 --img-size 64
"""
import argparse
import os.path as osp
import time

from mmstm.demo_data import (write_classification, write_detection,
                             write_segmentation)

WRITERS = {
    'classification': (write_classification, 'imagenet'),
    'detection': (write_detection, 'coco'),
    'segmentation': (write_segmentation, 'ade20k'),
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', nargs='+', choices=sorted(WRITERS),
                        default=sorted(WRITERS))
    parser.add_argument('--out', default='data/demo',
                        help='root; each task writes a sub-folder '
                        '(imagenet, coco, ade20k)')
    parser.add_argument('--num-train', type=int, help='images per train split '
                        '(default: 1200 classification, 200 otherwise)')
    parser.add_argument('--num-val', type=int, help='images per val split '
                        '(default: 300 classification, 50 otherwise)')
    parser.add_argument('--img-size', type=int, help='square image side '
                        '(default: 64 classification, 128 otherwise)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def main():
    args = parse_args()
    overrides = {k: v for k, v in dict(
        num_train=args.num_train, num_val=args.num_val,
        img_size=args.img_size, seed=args.seed).items() if v is not None}
    for task in args.tasks:
        writer, folder = WRITERS[task]
        out_dir = osp.join(args.out, folder)
        start = time.time()
        writer(out_dir, **overrides)
        print(f'{task}: wrote {out_dir} in {time.time() - start:.1f}s')


if __name__ == '__main__':
    main()
