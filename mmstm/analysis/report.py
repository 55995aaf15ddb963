"""The analyses run for several models on one image set, written to one
folder: PNGs, CSV/JSON and a markdown report that embeds them."""
import csv
import json
import os.path as osp
from dataclasses import dataclass

import torch
from mmengine.utils import ProgressBar

from mmstm.checkpoint import DEFAULT_WEIGHTS

from .adversarial import evaluate_attacks
from .classifier import load_classifier
from .complexity_table import complexity_rows
from .erf import ERF_SIZE, THRESHOLDS, accumulate_erf, area_ratios, erf_view
from .images import CROP, resize_for, standard_view
from .invariance import STRENGTHS, evaluate_invariance, mean_consistency
from .plots import plot_attacks, plot_erf, plot_invariance

ANALYSES = ('complexity', 'erf', 'invariance', 'adversarial')


@dataclass
class ModelSpec:
    name: str
    config: str
    checkpoint: str = None

    @classmethod
    def parse(cls, text):
        """``[NAME=]CONFIG[:CHECKPOINT]``."""
        name, sep, rest = text.partition('=')
        if not sep or '/' in name or name.endswith('.py'):
            name, rest = '', text  # no NAME= (an "=" inside a path)
        config, sep, checkpoint = rest.partition('.py:')
        config = config + '.py' if sep else rest
        if not config.endswith('.py'):
            raise ValueError(
                f'"{text}": expected [NAME=]CONFIG.py[:CHECKPOINT]')
        name = name or osp.splitext(osp.basename(config))[0]
        return cls(name, config, checkpoint or None)


def _with_progress(items, total):
    bar = ProgressBar(total)
    for item in items:
        yield item
        bar.update()


def check_labels(classifier, samples, model_name):
    """Labels beyond the model's outputs mean a wrong annotation file or
    model; say so instead of failing deep in a loss or scoring 0."""
    labels = [label for _, label, _ in samples if label is not None]
    head = getattr(classifier.model, 'head', None)
    num_classes = getattr(head, 'num_classes', None)
    if labels and num_classes is not None and max(labels) >= num_classes:
        raise ValueError(
            f'{model_name} has {num_classes} classes but the annotation file '
            f'has label {max(labels)}: the labels are not this model\'s')


def load_models(models, samples, device, weights=DEFAULT_WEIGHTS):
    """Each model's classifier, loaded once for every analysis, its classes
    checked against the labels; ``weights``: raw or EMA (see
    :func:`load_classifier`)."""
    classifiers = {}
    for model in models:
        classifier = load_classifier(model.config, model.checkpoint, device,
                                     weights=weights)
        check_labels(classifier, samples, model.name)
        classifiers[model.name] = classifier
    return classifiers


def write_csv(rows, path):
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _fmt(value, digits=1):
    return '—' if value is None else f'{value:.{digits}f}'


def complexity_section(models, out_dir, resolutions=(224, ), repeats=0):
    rows = []
    for model in models:
        for row in complexity_rows([model.config], resolutions, train=False,
                                   repeats=repeats):
            rows.append(dict(row, model=model.name))
    write_csv(rows, osp.join(out_dir, 'complexity.csv'))
    lines = ['## Complexity', '', '| model | params (M) | input | GFLOPs | '
             'inference img/s |', '|---|---:|---:|---:|---:|']
    lines += [f'| {r["model"]} | {r["params_M"]:.2f} | {r["resolution"]} | '
              f'{r["gflops"]:.2f} | {_fmt(r["infer_img_s"])} |' for r in rows]
    return lines + ['', '[complexity.csv](complexity.csv)']


def erf_section(classifiers, samples, out_dir, size=ERF_SIZE):
    """``classifiers``: name -> :class:`PixelClassifier`
    (:func:`load_models`)."""
    lines = ['## Effective receptive field', '',
             f'{len(samples)} images resized to {size}x{size}; '
             'log10(x + 1) of the accumulated input gradients, normalised. '
             'Tables: the share of the map area inside the smallest centred '
             'square holding t of the total.', '']
    for name, classifier in classifiers.items():
        images = (erf_view(image, size).to(classifier.device)
                  for image, _, _ in samples)
        maps = accumulate_erf(classifier.stage_outputs,
                              _with_progress(images, len(samples)))
        ratios = area_ratios(maps)
        png = f'erf_{name}.png'
        plot_erf(maps, osp.join(out_dir, png), name)
        with open(osp.join(out_dir, f'erf_{name}.json'), 'w') as f:
            json.dump(dict(model=name, num_images=len(samples),
                           area_ratios=ratios), f, indent=1)
        lines += [f'### {name}', '', f'![ERF of {name}]({png})',
                  '', '| stage | ' + ' | '.join(f't={t}' for t in THRESHOLDS)
                  + ' |', '|---|' + '---:|' * len(THRESHOLDS)]
        for stage, by_threshold in ratios.items():
            lines.append(f'| {stage} | ' + ' | '.join(
                f'{by_threshold[str(t)]["area_ratio"]:.4f}'
                for t in THRESHOLDS) + ' |')
        lines.append('')
    return lines


PROTOCOL_TEXT = {
    'paper': 'the paper\'s protocol, as its code computes the views: one '
             'translation direction per image drawn from seven (seed {seed}),'
             ' the window clipped at the border and zero-padded '
             'symmetrically; PIL bicubic resizing and rotation',
    'mmstm': 'mmstm\'s protocol: all eight translation directions per image '
             'as true shifts (zeros where the window leaves the image); '
             'antialiased tensor resizing, grid_sample rotation',
}


def invariance_section(classifiers, samples, out_dir, strengths=None,
                       crop=CROP, protocol='paper', seed=0):
    by_model = {}
    for name, classifier in classifiers.items():
        bar = ProgressBar(sum(
            len(v) for v in dict(STRENGTHS, **(strengths or {})).values()))
        by_model[name] = evaluate_invariance(
            classifier, samples, strengths=strengths,
            device=classifier.device, progress=lambda row: bar.update(),
            crop=crop, protocol=protocol, seed=seed)
    rows = [dict(model=name, **row) for name, rows in by_model.items()
            for row in rows]
    write_csv(rows, osp.join(out_dir, 'invariance.csv'))
    plot_invariance(by_model, osp.join(out_dir, 'invariance.png'))
    summaries = {name: mean_consistency(rows)
                 for name, rows in by_model.items()}
    kinds = list(next(iter(summaries.values())))
    lines = ['## Invariance', '',
             f'Against the standard view (bicubic resize {resize_for(crop)}, '
             f'centre crop {crop}; translations in px of the 224 view), '
             + PROTOCOL_TEXT[protocol].format(seed=seed) + '. Consistency '
             'is the share of transformed views whose top-1 equals '
             "the model's top-1 on the standard view; top-1 needs labels.", '',
             '![invariance](invariance.png)', '',
             '| model | ' + ' | '.join(f'mean consistency, {k}' for k in kinds)
             + ' |', '|---|' + '---:|' * len(kinds)]
    lines += [f'| {name} | ' + ' | '.join(f'{s[k]:.1f}' for k in kinds) + ' |'
              for name, s in summaries.items()]
    return lines + ['', '[invariance.csv](invariance.csv)']


def adversarial_section(classifiers, samples, out_dir, epsilons, seed,
                        crop=CROP):
    if any(label is None for _, label, _ in samples):
        raise ValueError('the adversarial analysis needs labels (--ann-file)')
    pixels = torch.stack([standard_view(image, crop)
                          for image, _, _ in samples])
    labels = torch.tensor([label for _, label, _ in samples])
    by_model = {}
    for name, classifier in classifiers.items():
        bar = ProgressBar(2 * len(epsilons))
        by_model[name] = evaluate_attacks(
            classifier, pixels.to(classifier.device),
            labels.to(classifier.device),
            epsilons=epsilons, seed=seed, progress=lambda row: bar.update())
    rows = [dict(model=name, **row) for name, rows in by_model.items()
            for row in rows]
    write_csv(rows, osp.join(out_dir, 'adversarial.csv'))
    plot_attacks(by_model, osp.join(out_dir, 'adversarial.png'))
    names = list(by_model)
    lines = ['## Adversarial robustness', '',
             'L-inf attacks in [0, 1] pixel space; PGD: 10 steps of epsilon/4 '
             f'from a random start (seed {seed}). Top-1 in %.', '',
             '![adversarial](adversarial.png)', '',
             '| attack | epsilon (/255) | ' + ' | '.join(names) + ' |',
             '|---|---:|' + '---:|' * len(names),
             '| clean | 0 | ' + ' | '.join(
                 _fmt(by_model[n][0]['clean_top1']) for n in names) + ' |']
    for index, row in enumerate(by_model[names[0]]):
        lines.append(f'| {row["attack"]} | {row["epsilon"]:g} | ' + ' | '.join(
            _fmt(by_model[n][index]['attacked_top1']) for n in names) + ' |')
    return lines + ['', '[adversarial.csv](adversarial.csv)']


def write_report(out_dir, models, image_set, sections, classifiers=None):
    """``classifiers`` (name -> :class:`PixelClassifier`) adds which weights
    of each checkpoint were analysed."""
    loaded = {name: c.weights for name, c in (classifiers or {}).items()}
    lines = ['# Spatial token mixer comparison', '',
             f'Images: `{image_set}`', '',
             '| model | config | checkpoint | weights |', '|---|---|---|---|']
    lines += [f'| {m.name} | `{m.config}` | '
              f'`{m.checkpoint or "(random init)"}` | '
              f'{loaded.get(m.name, "—")} |'
              for m in models]
    for section in sections:
        lines += [''] + section
    path = osp.join(out_dir, 'report.md')
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return path
