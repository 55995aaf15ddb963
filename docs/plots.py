"""The benchmark page's plots, drawn from the CSV files the analysis tools
write (``tools/analysis/complexity_table.py --out``): every family's
throughput and peak memory against its parameters and FLOPs."""
import csv
import glob
import os
import os.path as osp

PANELS = [('params_M', 'parameters (M)'), ('gflops', 'GFLOPs (224²)')]
SERIES = [('infer_img_s', 'inference images/s'),
          ('train_img_s', 'training images/s'),
          ('train_peak_mib', 'training peak memory (MiB)')]


def read_rows(path):
    with open(path) as f:
        return list(csv.DictReader(f))


def draw(csv_path, out_path):
    """One figure: a row per measured quantity, a column per size measure,
    a labelled point per model."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = read_rows(csv_path)
    series = [s for s in SERIES if rows and s[0] in rows[0]]
    figure, axes = plt.subplots(len(series), len(PANELS), squeeze=False,
                                figsize=(5 * len(PANELS), 3.2 * len(series)))
    for i, (key, label) in enumerate(series):
        for j, (x_key, x_label) in enumerate(PANELS):
            ax = axes[i][j]
            for row in rows:
                x, y = float(row[x_key]), float(row[key])
                ax.scatter(x, y, s=18)
                ax.annotate(row['model'].split('_')[0], (x, y), fontsize=7,
                            xytext=(3, 3), textcoords='offset points')
            ax.set_xlabel(x_label)
            ax.set_ylabel(label)
            ax.grid(alpha=0.3)
    figure.suptitle(osp.splitext(osp.basename(csv_path))[0])
    figure.tight_layout()
    figure.savefig(out_path, dpi=110)
    plt.close(figure)


def draw_all(docs_dir):
    """A PNG in ``docs/_generated/`` for every CSV in
    ``docs/benchmarks/``."""
    out_dir = osp.join(docs_dir, '_generated')
    os.makedirs(out_dir, exist_ok=True)
    for path in sorted(glob.glob(osp.join(docs_dir, 'benchmarks', '*.csv'))):
        name = osp.splitext(osp.basename(path))[0]
        draw(path, osp.join(out_dir, f'{name}.png'))
