"""The benchmark metrics' arithmetic on crafted predictions, and the
robustness tool end to end on generated folders."""
import json
import subprocess
import sys

import pytest
import torch

from mmstm.evaluation import (ALEXNET_ERRORS, CorruptionError, SubsetAccuracy,
                              corruption_errors)

from tests.conftest import (REPO_ROOT, tiny_classifier_config,
                            write_class_layout, write_corruption_layout)


def scores_with(top, runner_up=None):
    score = torch.zeros(1000)
    score[top] = 2.0
    if runner_up is not None:
        score[runner_up] = 1.0
    return score


def test_subset_accuracy_ranks_only_the_benchmark_classes():
    metric = SubsetAccuracy(topk=(1, ), restrict=True)
    metric.dataset_meta = dict(present_classes=[6, 107, 999])
    samples = [
        # best overall is class 500 (not in the subset); within it, 107
        dict(pred_score=scores_with(500, 107), gt_label=torch.tensor([107])),
        dict(pred_score=scores_with(6), gt_label=torch.tensor([6])),
        dict(pred_score=scores_with(999), gt_label=torch.tensor([6])),
        dict(pred_score=scores_with(500, 999), gt_label=torch.tensor([6])),
    ]
    metric.process({}, samples)
    assert metric.compute_metrics(metric.results) == {'top1': 50.0}
    plain = SubsetAccuracy(topk=(1, ), restrict=False)
    plain.dataset_meta = metric.dataset_meta
    plain.process({}, samples)
    assert plain.compute_metrics(plain.results) == {'top1': 25.0}


def test_ce_and_mce_against_hand_arithmetic():
    errors = {('fog', 1): 0.2, ('fog', 2): 0.4,
              ('snow', 1): 0.5, ('snow', 2): 0.7,
              ('speckle_noise', 1): 0.9}  # an extra: no AlexNet number
    metrics = corruption_errors(errors)
    fog = 0.3 / ALEXNET_ERRORS['fog']
    snow = 0.6 / ALEXNET_ERRORS['snow']
    assert metrics['CE/fog'] == pytest.approx(100 * fog)
    assert metrics['CE/snow'] == pytest.approx(100 * snow)
    assert metrics['mCE'] == pytest.approx(100 * (fog + snow) / 2)
    assert 'CE/speckle_noise' not in metrics
    assert metrics['error/speckle_noise'] == pytest.approx(90)
    assert metrics['error/fog/2'] == pytest.approx(40)
    # AlexNet's own errors give an mCE of exactly 100
    alexnet = corruption_errors({(c, 1): e for c, e in ALEXNET_ERRORS.items()})
    assert alexnet['mCE'] == pytest.approx(100)


def test_corruption_error_counts_per_corruption_and_severity():
    metric = CorruptionError()
    samples = [dict(pred_score=scores_with(label if right else 0),
                    gt_label=torch.tensor([label]), corruption=c, severity=s)
               for c, s, label, right in [('fog', 1, 3, True),
                                          ('fog', 1, 3, False),
                                          ('fog', 2, 4, False),
                                          ('fog', 2, 4, False)]]
    metric.process({}, samples)
    metrics = metric.compute_metrics(metric.results)
    assert metrics['error/fog/1'] == pytest.approx(50)
    assert metrics['error/fog/2'] == pytest.approx(100)
    assert metrics['CE/fog'] == pytest.approx(75 / ALEXNET_ERRORS['fog'])
    with pytest.raises(KeyError, match='corruption'):
        metric.process({}, [dict(pred_score=scores_with(1),
                                 gt_label=torch.tensor([1]))])


@pytest.mark.parametrize('benchmark', ['imagenet-r', 'imagenet-c'])
def test_robustness_tool_end_to_end(benchmark, tmp_path):
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint

    from mmstm.analysis.models import build_model, load_config
    config = tiny_classifier_config(tmp_path)
    cfg = Config.fromfile(config)
    cfg.model.head.num_classes = 1000
    cfg.dump(config)
    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'tiny.pth')
    save_checkpoint(build_model(load_config(config)).state_dict(), checkpoint)
    if benchmark == 'imagenet-c':
        root = write_corruption_layout(tmp_path / 'c', ['fog'], [1, 2], [1, 2])
    else:
        root = write_class_layout(tmp_path / 'r', [1, 2, 300])
    work_dir = tmp_path / 'work'
    result = subprocess.run(
        [sys.executable, 'tools/analysis/robustness.py', config, checkpoint,
         '--benchmark', benchmark, '--data-root', root, '--work-dir',
         str(work_dir), '--num-workers', '0', '--batch-size', '4'],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((work_dir / f'{benchmark}.json').read_text())
    if benchmark == 'imagenet-c':
        assert 0 <= metrics['imagenet-c/mCE'] and \
            'imagenet-c/error/fog/2' in metrics
    else:
        assert 0 <= metrics['subset/top1'] <= metrics['subset/top5'] <= 100
