"""The demo arena's table: every mixer's demo top-1 over seeds beside its
parameters, FLOPs and CPU throughput.

``scripts/demo_mixers.sh`` leaves one ``result.txt`` per run in
``<root>/<family>/seed<S>/``: training minutes, then the ``tools/test.py``
metrics of the raw and of the EMA weights, one dict each.
"""
import ast
import glob
import os.path as osp
import statistics

from .complexity_table import format_number

RESULT_FILE = 'result.txt'


def read_result(path):
    """``dict(minutes, raw, ema)`` (top-1 in %) of one run's result file."""
    with open(path) as f:
        text = f.read().strip()
    try:
        minutes, metrics = text.split(' ', 1)
        raw, ema = metrics.replace('} {', '}\n{').split('\n')
        return dict(minutes=int(minutes),
                    raw=ast.literal_eval(raw)['accuracy/top1'],
                    ema=ast.literal_eval(ema)['accuracy/top1'])
    except (ValueError, SyntaxError, KeyError) as error:
        raise ValueError(
            f'{path}: expected "<minutes> <raw metrics> <EMA metrics>" '
            f'(tools/test.py\'s last lines), got {text!r}') from error


def collect_runs(root):
    """``{family: {seed: result}}`` of every finished run under ``root``."""
    runs = {}
    pattern = osp.join(root, '*', 'seed*', RESULT_FILE)
    for path in sorted(glob.glob(pattern)):
        seed_dir = osp.dirname(path)
        family = osp.basename(osp.dirname(seed_dir))
        seed = int(osp.basename(seed_dir)[len('seed'):])
        runs.setdefault(family, {})[seed] = read_result(path)
    return runs


def mean_std(values):
    """``'mean ± std'`` (sample std; a single value has none)."""
    if len(values) == 1:
        return f'{values[0]:.1f}'
    return f'{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}'


def arena_markdown(runs, families, complexity=None):
    """One markdown row per family in ``families`` order (families without
    runs are listed as not run). ``complexity``: ``{family: row}`` with the
    ``params_M``, ``gflops`` and ``infer_img_s``/``train_img_s`` of
    :func:`complexity_rows`, or None for no such columns."""
    head = '| mixer | seeds | top-1, raw (%) | top-1, EMA (%) | training |'
    rule = '|---|---|---:|---:|---:|'
    if complexity is not None:
        head += ' params (M) | GFLOPs | infer img/s | train img/s |'
        rule += '---:|---:|---:|---:|'
    lines = [head, rule]
    for family in families:
        by_seed = runs.get(family, {})
        if by_seed:
            seeds = sorted(by_seed)
            results = [by_seed[s] for s in seeds]
            cells = [', '.join(map(str, seeds)),
                     mean_std([r['raw'] for r in results]),
                     mean_std([r['ema'] for r in results]),
                     f'{statistics.mean(r["minutes"] for r in results):.0f}'
                     ' min']
        else:
            cells = ['not run', '', '', '']
        if complexity is not None:
            row = complexity.get(family)
            cells += ['', '', '', ''] if row is None else [
                f'{row["params_M"]:.2f}', f'{row["gflops"]:.2f}',
                format_number(row.get('infer_img_s'), 1),
                format_number(row.get('train_img_s'), 1)]
        lines.append(f'| {family} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'

