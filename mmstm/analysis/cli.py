"""The command line shared by the analysis tools (tools/analysis/erf.py,
invariance.py, adversarial.py, compare.py)."""
import argparse
import os
import random

import numpy as np
import torch

from mmstm.engine import add_weights_argument

from .adversarial import EPSILONS
from .images import CROP, list_images, load_samples
from .invariance import PROTOCOLS
from .report import (ANALYSES, ModelSpec, adversarial_section,
                     complexity_section, erf_section, invariance_section,
                     load_models, write_report)


def build_parser(description, analyses=ANALYSES):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('models', nargs='+', type=ModelSpec.parse,
                        metavar='[NAME=]CONFIG[:CHECKPOINT]',
                        help='mmstm classifier configs and their checkpoints')
    parser.add_argument('--images',
                        help='image folder (e.g. ImageNet val images)')
    parser.add_argument('--ann-file', help='"<file> <label>" lines; needed '
                        'for accuracies and attacks')
    parser.add_argument('--max-images', type=int,
                        help='use the first N images of the set')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--device', default='cuda'
                        if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--seed', type=int, default=0)
    add_weights_argument(parser)
    parser.add_argument('--crop-size', type=int, default=CROP,
                        help='view size (default 224, the paper\'s; resize '
                        'and shifts in proportion, ERF at twice it): for '
                        'models trained on other sizes, e.g. 64 for the demo')
    if len(analyses) > 1:
        parser.add_argument('--analyses', nargs='+', choices=analyses,
                            default=list(analyses))
    if 'invariance' in analyses:
        parser.add_argument('--invariance-protocol', choices=PROTOCOLS,
                            default='paper',
                            help="paper: the paper's views (one drawn "
                            'direction per image, re-centring padding); '
                            'mmstm: all eight directions as true shifts')
    if 'adversarial' in analyses:
        parser.add_argument('--epsilons', type=float, nargs='+',
                            default=list(EPSILONS), help='in 1/255')
    if 'complexity' in analyses:
        parser.add_argument('--resolutions', type=int, nargs='+',
                            default=[224])
        parser.add_argument('--throughput-repeats', type=int, default=0,
                            help='timed runs for images/s (0: no timing)')
    return parser


def main(description, analyses=ANALYSES, argv=None):
    args = build_parser(description, analyses).parse_args(argv)
    chosen = getattr(args, 'analyses', list(analyses))
    torch.manual_seed(args.seed)
    random.seed(args.seed)
    np.random.seed(args.seed)
    os.makedirs(args.out, exist_ok=True)
    names = [m.name for m in args.models]
    if len(set(names)) != len(names):
        raise SystemExit(f'model names must differ: {names} (use NAME=CONFIG)')
    samples, classifiers = None, None
    if set(chosen) - {'complexity'}:
        if not args.images:
            raise SystemExit(f'--images is needed for {chosen}')
        listed = list_images(args.images, args.ann_file)[:args.max_images]
        samples = load_samples(listed)
        print(f'{len(samples)} images from {args.images}')
        classifiers = load_models(args.models, samples, args.device,
                                  args.weights)
    sections = []
    for analysis in chosen:
        print(f'== {analysis}', flush=True)
        if analysis == 'complexity':
            sections.append(complexity_section(
                args.models, args.out, args.resolutions,
                args.throughput_repeats))
        elif analysis == 'erf':
            sections.append(erf_section(classifiers, samples, args.out,
                                        2 * args.crop_size))
        elif analysis == 'invariance':
            sections.append(invariance_section(
                classifiers, samples, args.out, crop=args.crop_size,
                protocol=args.invariance_protocol, seed=args.seed))
        elif analysis == 'adversarial':
            sections.append(adversarial_section(
                classifiers, samples, args.out, tuple(args.epsilons),
                args.seed, args.crop_size))
    report = write_report(args.out, args.models, args.images, sections,
                          classifiers)
    print(f'\nwritten {report}')
    return report
