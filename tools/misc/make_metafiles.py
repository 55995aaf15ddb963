"""Write the ``metafile.yml`` of every config folder without released
weights (the arena families of every task, and segmentation, for which the
paper released none), and the model index that imports every metafile.

Each model gets its config, its parameters (the whole model) and, for
classification, its FLOPs at 224x224 (mmstm's counter: one multiply-add
once, attention products included). No weights and no results: these
models were not released.

    python tools/misc/make_metafiles.py [--tasks classification ...]
        [--families gatedcnn ...]
"""
import argparse
import glob
import os.path as osp

import torch
import yaml

from mmstm.analysis.complexity import count_flops, count_parameters
from mmstm.analysis.models import TensorForward, build_model, load_config

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TASKS = {'classification': ('Image Classification', 'ImageNet-1k'),
         'detection': ('Instance Segmentation', 'COCO'),
         'segmentation': ('Semantic Segmentation', 'ADE20K')}
STM_PAPER = dict(
    Title='Demystify Transformers & Convolutions in Modern Image Deep '
    'Networks', URL='https://arxiv.org/abs/2211.05781')


def model_name(task, config):
    """The index name of a config: ``u-<arch>_in1k``,
    ``mask-rcnn_u-<arch>_fpn_<schedule>_coco``,
    ``upernet_u-<arch>_8xb2-160k_ade20k-512x512``."""
    stem = osp.splitext(osp.basename(config))[0]
    if task == 'classification':
        return f'u-{stem.split("_")[0]}_in1k'
    head, arch, rest = stem.split('_', 2)
    return f'{head}_u-{arch}_{rest}'


def model_entry(task, family, config):
    cfg = load_config(config)
    model = build_model(cfg)
    metadata = dict(Parameters=count_parameters(model))
    if task == 'classification':
        with torch.no_grad():
            metadata['FLOPs'] = int(count_flops(TensorForward(model),
                                                (1, 3, 224, 224)))
    return {'Name': model_name(task, config),
            'In Collection': f'Unified-{family} ({task})',
            'Metadata': metadata,
            'Config': osp.relpath(config, ROOT)}


def metafile(task, family, mixers, configs):
    kind, data = TASKS[task]
    collection = dict(
        Name=f'Unified-{family} ({task})',
        Metadata={'Training Data': data,
                  'Architecture': mixers + ["Unified backbone (paper's "
                                            'network and block design)']},
        Paper=STM_PAPER, README=f'configs/{task}/{family}/README.md')
    return dict(Collections=[collection],
                Models=[model_entry(task, family, c) for c in configs])


def released(folder):
    path = osp.join(folder, 'metafile.yml')
    if not osp.isfile(path):
        return False
    with open(path) as f:
        return any('Weights' in m for m in yaml.safe_load(f)['Models'])


def write_model_index():
    paths = sorted(osp.relpath(p, ROOT) for p in glob.glob(
        osp.join(ROOT, 'configs', '*', '*', 'metafile.yml')))
    with open(osp.join(ROOT, 'model-index.yml'), 'w') as f:
        yaml.safe_dump({'Import': paths}, f, sort_keys=False)


def main():
    from mmstm.models.backbones.archs import FAMILY_NAMES, mixer_types
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', nargs='+', default=list(TASKS),
                        choices=list(TASKS))
    parser.add_argument('--families', nargs='+', default=list(FAMILY_NAMES),
                        choices=FAMILY_NAMES)
    args = parser.parse_args()
    for task in args.tasks:
        for family in args.families:
            folder = osp.join(ROOT, 'configs', task, family)
            if not osp.isdir(folder) or released(folder):
                continue
            configs = sorted(glob.glob(osp.join(folder, '*.py')))
            mixers = mixer_types(f'{family}-tiny')
            with open(osp.join(folder, 'metafile.yml'), 'w') as f:
                yaml.safe_dump(metafile(task, family, mixers, configs), f,
                               sort_keys=False, width=79)
            print(f'wrote {osp.relpath(folder, ROOT)}/metafile.yml '
                  f'({len(configs)} models)')
    write_model_index()


if __name__ == '__main__':
    main()
