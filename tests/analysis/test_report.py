"""tools/analysis/compare.py writes one folder: plots, tables and a report
that embeds them; the single-analysis tools share its command line."""
import csv
import subprocess
import sys

import pytest

from mmstm.analysis.report import ModelSpec

from tests.conftest import REPO_ROOT, data_file, tiny_classifier_config

pytestmark = pytest.mark.slow


def test_model_specs_parse():
    spec = ModelSpec.parse('swin=configs/a/swin.py:ckpt/e.pth')
    assert (spec.name, spec.config, spec.checkpoint) == \
        ('swin', 'configs/a/swin.py', 'ckpt/e.pth')
    spec = ModelSpec.parse('configs/a/swin-tiny.py')
    assert (spec.name, spec.checkpoint) == ('swin-tiny', None)
    spec = ModelSpec.parse('configs/a/swin.py:work/epoch=30.pth')
    assert (spec.name, spec.checkpoint) == ('swin', 'work/epoch=30.pth')
    with pytest.raises(ValueError, match='CONFIG.py'):
        ModelSpec.parse('swin=model.pth')


def run(*args):
    result = subprocess.run([sys.executable, *args], cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def imagenet_sized(config):
    from mmengine.config import Config
    cfg = Config.fromfile(config)
    cfg.model.head.num_classes = 1000  # the shared images' labels are 0-999
    cfg.dump(config)
    return config


def test_compare_writes_the_report_with_every_analysis(tmp_path):
    models = [
        f'{family}={imagenet_sized(tiny_classifier_config(tmp_path, family))}'
        for family in ('convnext', 'swin')]
    out = tmp_path / 'report'
    run('tools/analysis/compare.py', *models,
        '--images', data_file('imagenet-val-mini/val'),
        '--ann-file', data_file('imagenet-val-mini/val.txt'),
        '--max-images', '2', '--epsilons', '1', '--out', str(out))
    report = (out / 'report.md').read_text()
    for name in ('erf_convnext.png', 'erf_swin.png', 'invariance.png',
                 'adversarial.png', 'complexity.csv', 'invariance.csv',
                 'adversarial.csv'):
        assert (out / name).stat().st_size > 0, name
        assert f'({name})' in report, name
    with open(out / 'invariance.csv') as f:
        rows = list(csv.DictReader(f))
    # both models, every strength of the four invariances
    assert len(rows) == 2 * (17 + 19 + 19 + 15)
    # the paper's protocol by default: one view per image and strength;
    # its rotations by 0 degrees are the standard view
    assert {r['protocol'] for r in rows} == {'paper'}
    assert {r['num_views'] for r in rows} == {'2'}
    identity = [r for r in rows if r['kind'].startswith('rotation')
                and r['strength'] == '0']
    assert [float(r['consistency']) for r in identity] == [100.0] * 4
    assert "the paper's protocol" in report
    assert '| random initialisation |' in report  # which weights
    assert (out / 'erf_swin.json').exists()


def test_single_analysis_tool_and_missing_labels(tmp_path):
    model = tiny_classifier_config(tmp_path)
    out = tmp_path / 'erf'
    run('tools/analysis/erf.py', model, '--images',
        data_file('imagenet-val-mini/val'), '--max-images', '1',
        '--out', str(out))
    assert '## Effective receptive field' in (out / 'report.md').read_text()
    out = tmp_path / 'invariance'
    run('tools/analysis/invariance.py', model, '--images',
        data_file('imagenet-val-mini/val'), '--max-images', '1',
        '--invariance-protocol', 'mmstm', '--out', str(out))
    with open(out / 'invariance.csv') as f:
        rows = list(csv.DictReader(f))
    translated = [r for r in rows if r['kind'] == 'translation'
                  and r['strength'] != '0']
    assert {(r['protocol'], r['num_views']) for r in translated} == \
        {('mmstm', '8')}  # all eight directions of the one image
    result = subprocess.run(
        [sys.executable, 'tools/analysis/adversarial.py', model, '--images',
         data_file('imagenet-val-mini/val'), '--max-images', '1',
         '--out', str(tmp_path / 'adv')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'needs labels (--ann-file)' in result.stderr
    # ImageNet labels for a 6-class model
    result = subprocess.run(
        [sys.executable, 'tools/analysis/adversarial.py', model, '--images',
         data_file('imagenet-val-mini/val'), '--ann-file',
         data_file('imagenet-val-mini/val.txt'), '--out',
         str(tmp_path / 'adv')],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode != 0
    assert 'has 6 classes but the annotation file has label 809' in \
        result.stderr


def test_classifier_normalises_like_the_runner(tmp_path):
    from mmengine.config import Config

    from mmstm.analysis.classifier import load_classifier
    config = tiny_classifier_config(tmp_path)
    expected = Config.fromfile(config).data_preprocessor
    classifier = load_classifier(config)
    assert classifier.mean.flatten().tolist() == \
        pytest.approx([m / 255 for m in expected.mean])
    assert classifier.std.flatten().tolist() == \
        pytest.approx([s / 255 for s in expected.std])
