"""The table of an ablation path: for each step config its change (the
config's first comment line), parameters and FLOPs computed from the built
model, and the ImageNet top-1 published for it where there is one."""
import os.path as osp
import re

from mmstm.apis import model_top1

from .complexity import count_flops, count_parameters
from .models import TensorForward, build_model, load_config

# Top-1 (%) published for the original networks from their papers (Swin-T:
# Liu et al. 2021; ConvNeXt-T: Liu et al. 2022). The last step of every path
# is a released unified model, whose top-1 comes from the model index. The
# paper's intermediate steps are not listed: its text was not reachable
# where this table was written.
ORIGINAL_TOP1 = {
    'swin-tiny_0-original': (81.3, 'Swin paper'),
    'convnext-tiny_0-original': (82.1, 'ConvNeXt paper'),
}


def published_top1(key, last_step):
    """``(top-1, source)`` published for the step ``key``, or ``(None,
    None)``; ``last_step``: the step is its path's last, the released
    network (tests/configs/test_ablation_configs.py proves it)."""
    if key in ORIGINAL_TOP1:
        return ORIGINAL_TOP1[key]
    if last_step:
        name = f'u-{key.split("_")[0]}_3rdparty_in1k'
        return model_top1(name), f'released {name}'
    return None, None


def step_key(config):
    """``swin-tiny_0-original`` of ``.../swin-tiny_0-original_8xb128_in1k.py``
    (the name without the batch and dataset parts)."""
    return '_'.join(osp.basename(config)[:-3].split('_')[:2])


def step_number(config):
    """4 of ``.../swin-tiny_4-layer-scale_8xb128_in1k.py``."""
    return int(step_key(config).split('_')[1].split('-')[0])


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
    last = {}  # the highest step number of each path
    for config in configs:
        path, number = step_key(config).split('_')[0], step_number(config)
        last[path] = max(last.get(path, number), number)
    for config in configs:
        model = TensorForward(build_model(load_config(config)))
        path = step_key(config).split('_')[0]
        top1, source = published_top1(
            step_key(config), step_number(config) == last[path])
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
