"""The table of an ablation path: for each step config its change (the
config's first comment line), parameters and FLOPs computed from the built
model, and the ImageNet top-1 published for it where there is one."""
import os.path as osp
import re

from .complexity import count_flops, count_parameters
from .models import TensorForward, build_model, load_config

# Top-1 (%) published for a step: the original networks from their papers
# (Swin-T: Liu et al. 2021; ConvNeXt-T: Liu et al. 2022) and the unified
# models from the released checkpoints of the official repository. The
# paper's intermediate steps are not listed: its text was not reachable
# where this table was written.
PUBLISHED_TOP1 = {
    'swin-tiny_0-original': (81.3, 'Swin paper'),
    'swin-tiny_4-layer-scale': (82.3, 'released U-Swin-T'),
    'convnext-tiny_0-original': (82.1, 'ConvNeXt paper'),
    'convnext-tiny_4-two-residual-block': (82.2, 'released U-ConvNeXt-T'),
    'halo-tiny_4-layer-scale': (83.0, 'released U-Halo-T'),
    'pvt-tiny_4-layer-scale': (82.1, 'released U-PVT-T'),
    'dcnv3-tiny_4-layer-scale': (83.3, 'released U-InternImage-T'),
}


def step_key(config):
    """``swin-tiny_0-original`` of ``.../swin-tiny_0-original_8xb128_in1k.py``
    (the name without the batch and dataset parts)."""
    return '_'.join(osp.basename(config)[:-3].split('_')[:2])


def step_description(config):
    """The first sentence of the config's leading comment, without the
    ``X step k:`` prefix."""
    comment = []
    with open(config) as f:
        for line in f:
            if not line.startswith('#'):
                break
            comment.append(line[1:].strip())
    if not comment:
        raise ValueError(f'{config} must start with a comment saying what '
                         'its step changes')
    text = re.sub(r'^\S+ step \d+:\s*', '', ' '.join(comment))
    return re.split(r'(?<=\.)\s', text, maxsplit=1)[0]


def ablation_rows(configs, img_size=224):
    """One dict per config: step, change, params, FLOPs, published top-1."""
    for config in configs:
        model = TensorForward(build_model(load_config(config)))
        top1, source = PUBLISHED_TOP1.get(step_key(config), (None, None))
        yield dict(step=step_key(config), change=step_description(config),
                   params=count_parameters(model.measured),
                   gflops=count_flops(model, (1, 3, img_size, img_size)) / 1e9,
                   top1=top1, source=source,
                   config=config)


def ablation_markdown(rows, relative_to):
    """Markdown table; config links relative to the README's folder."""
    lines = ['| step | change | params | GFLOPs (224²) | top-1 published |',
             '|---|---|---:|---:|---:|']
    for r in rows:
        link = osp.relpath(r['config'], relative_to)
        top1 = f'{r["top1"]:.1f} ({r["source"]})' if r['top1'] else '—'
        lines.append(f'| [{r["step"]}]({link}) | {r["change"]} | '
                     f'{r["params"]:,} | {r["gflops"]:.2f} | {top1} |')
    return '\n'.join(lines) + '\n'
