"""One table of parameters, FLOPs and throughput for a set of configs."""
import csv
import os.path as osp

from .complexity import count_flops, count_parameters, measure_throughput
from .models import TensorForward, build_model, load_config

COLUMNS = ('model', 'params_M', 'resolution', 'gflops', 'infer_img_s',
           'train_img_s', 'infer_peak_mib', 'train_peak_mib')


def model_name(config_path):
    return osp.splitext(osp.basename(config_path))[0]


def complexity_rows(configs, resolutions=(224, ), batch_size=8,
                    device='cpu', amp=False, channels_last=False,
                    train=True, warmup=2, repeats=5, backbone_only=False,
                    progress=None):
    """Yield one row (dict with ``COLUMNS``) per config and resolution."""
    for config in configs:
        model = TensorForward(build_model(load_config(config)), backbone_only)
        params = count_parameters(model.measured)
        for size in resolutions:
            row = dict(model=model_name(config), params_M=params / 1e6,
                       resolution=size,
                       gflops=count_flops(model, (1, 3, size, size)) / 1e9)
            timing = dict(batch_size=batch_size, img_size=size, device=device,
                          amp=amp, channels_last=channels_last,
                          warmup=warmup, repeats=repeats)
            infer = measure_throughput(model, **timing) if repeats else {}
            trained = measure_throughput(model, train=True, **timing) \
                if train and repeats else {}
            # peak memory: CUDA's max allocated, or the process RSS (run one
            # config per process for RSS figures of its own)
            row.update(infer_img_s=infer.get('images_per_s'),
                       train_img_s=trained.get('images_per_s'),
                       infer_peak_mib=infer.get('peak_memory_mib'),
                       train_peak_mib=trained.get('peak_memory_mib'))
            if progress:
                progress(row)
            yield row


def format_number(value, digits):
    return '-' if value is None else f'{value:.{digits}f}'


def write_tables(rows, out_prefix):
    """Write ``<out_prefix>.csv`` and ``<out_prefix>.md``; return the
    markdown."""
    rows = list(rows)
    with open(out_prefix + '.csv', 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    lines = ['| model | params (M) | input | GFLOPs | infer img/s | '
             'train img/s |', '|---|---:|---:|---:|---:|---:|']
    for r in rows:
        lines.append(
            f'| {r["model"]} | {r["params_M"]:.2f} | {r["resolution"]} | '
            f'{r["gflops"]:.2f} | {format_number(r["infer_img_s"], 1)} | '
            f'{format_number(r["train_img_s"], 1)} |')
    markdown = '\n'.join(lines) + '\n'
    with open(out_prefix + '.md', 'w') as f:
        f.write(markdown)
    return markdown
