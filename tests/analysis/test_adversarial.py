"""FGSM and PGD: budgets respected, epsilon 0 changes nothing, attacks
lower a trained model's accuracy, results repeat for a seed."""
import os.path as osp

import pytest
import torch
import torch.nn.functional as F

from mmstm.analysis.adversarial import evaluate_attacks, pgd
from mmstm.analysis.classifier import PixelClassifier
from mmstm.analysis.images import list_images, load_samples
from mmstm.analysis.models import build_model, load_config
from mmstm.analysis.plots import plot_attacks

from tests.conftest import tiny_classifier_config


@pytest.fixture(scope='module')
def trained(demo_classification, tmp_path_factory):
    """A tiny U-ConvNeXt fitted to the 24 demo training images."""
    torch.manual_seed(0)
    samples = load_samples(list_images(
        osp.join(demo_classification, 'train'),
        osp.join(demo_classification, 'meta/train.txt')))
    pixels = torch.stack([image for image, _, _ in samples])
    labels = torch.tensor([label for _, label, _ in samples])
    config = tiny_classifier_config(tmp_path_factory.mktemp('adv'))
    classifier = PixelClassifier(build_model(load_config(config)))
    optimizer = torch.optim.AdamW(classifier.parameters(), lr=3e-3)
    classifier.train()
    for _ in range(60):
        loss = F.cross_entropy(classifier(pixels), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    optimizer.zero_grad()  # no gradients left over from training
    classifier.eval().requires_grad_(False)
    return classifier, pixels, labels


def test_attacks_lower_a_trained_models_accuracy(trained, tmp_path):
    classifier, pixels, labels = trained
    rows = evaluate_attacks(classifier, pixels, labels, epsilons=(0, 8, 32))
    clean = rows[0]['clean_top1']
    assert clean >= 75  # the model has learned its training images
    for attack in ('fgsm', 'pgd'):
        by_eps = {r['epsilon']: r['attacked_top1'] for r in rows
                  if r['attack'] == attack}
        assert by_eps[0] == clean
        assert by_eps[32] < clean
    pgd_rows = {r['epsilon']: r['attacked_top1'] for r in rows
                if r['attack'] == 'pgd'}
    fgsm_rows = {r['epsilon']: r['attacked_top1'] for r in rows
                 if r['attack'] == 'fgsm'}
    assert pgd_rows[32] <= fgsm_rows[32]  # the iterated attack is stronger
    plot_attacks({'tiny': rows}, str(tmp_path / 'adv.png'))
    assert (tmp_path / 'adv.png').stat().st_size > 10_000


def test_pgd_stays_in_the_budget_and_repeats_for_a_seed(trained):
    classifier, pixels, labels = trained
    epsilon = 4 / 255
    runs = [pgd(classifier, pixels[:4], labels[:4], epsilon,
                generator=torch.Generator().manual_seed(3)) for _ in range(2)]
    torch.testing.assert_close(runs[0], runs[1], atol=0, rtol=0)
    assert (runs[0] - pixels[:4]).abs().max() <= epsilon + 1e-6
    assert runs[0].min() >= 0 and runs[0].max() <= 1


def test_attacks_leave_the_weights_untouched(trained):
    classifier, pixels, labels = trained
    before = {k: v.clone() for k, v in classifier.state_dict().items()}
    evaluate_attacks(classifier, pixels[:4], labels[:4], epsilons=(2, ))
    for key, value in classifier.state_dict().items():
        torch.testing.assert_close(value, before[key], atol=0, rtol=0)
    assert all(p.grad is None for p in classifier.parameters())


def test_unknown_attack_is_named(trained):
    classifier, pixels, labels = trained
    with pytest.raises(ValueError, match='cw'):
        evaluate_attacks(classifier, pixels, labels, attacks=('cw', ))
