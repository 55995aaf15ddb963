"""Adversarial robustness: FGSM and PGD under an L-inf budget in pixel
space ([0, 1], before the model's normalisation)."""
import torch
import torch.nn.functional as F

EPSILONS = (0.5, 1, 2, 4)  # in 1/255
PGD_STEPS = 10


def _input_gradient(classifier, pixels, labels):
    pixels = pixels.detach().requires_grad_(True)
    loss = F.cross_entropy(classifier(pixels), labels)
    # only the input's gradient is taken: nothing accumulates in the weights
    grad, = torch.autograd.grad(loss, pixels)
    return grad


def fgsm(classifier, pixels, labels, epsilon):
    """One signed-gradient step of size ``epsilon``."""
    if epsilon == 0:
        return pixels.clone()
    grad = _input_gradient(classifier, pixels, labels)
    return (pixels + epsilon * grad.sign()).clamp(0, 1).detach()


def pgd(classifier, pixels, labels, epsilon, steps=PGD_STEPS, step_size=None,
        generator=None):
    """Projected gradient descent from a uniform random start in the
    epsilon-ball, ``steps`` signed steps of ``step_size`` (default
    epsilon / 4), each projected back onto the ball and [0, 1]."""
    if epsilon == 0:
        return pixels.clone()
    step_size = epsilon / 4 if step_size is None else step_size
    noise = torch.rand(pixels.shape, generator=generator,
                       device='cpu').to(pixels.device)
    adversarial = (pixels + (2 * noise - 1) * epsilon).clamp(0, 1)
    for _ in range(steps):
        grad = _input_gradient(classifier, adversarial, labels)
        adversarial = adversarial + step_size * grad.sign()
        adversarial = torch.min(torch.max(adversarial, pixels - epsilon),
                                pixels + epsilon).clamp(0, 1).detach()
    return adversarial


ATTACKS = {'fgsm': fgsm, 'pgd': pgd}


@torch.no_grad()
def _correct(classifier, pixels, labels):
    return (classifier(pixels).argmax(1) == labels).sum().item()


def evaluate_attacks(classifier, pixels, labels, attacks=('fgsm', 'pgd'),
                     epsilons=EPSILONS, batch_size=16, seed=0, progress=None):
    """Rows ``dict(attack, epsilon, clean_top1, attacked_top1, num_images)``
    (epsilon in 1/255, accuracies in %). ``pixels``: ``(N, 3, H, W)`` in
    [0, 1] on the classifier's device; ``labels``: ``(N, )``. Deterministic
    for a seed."""
    unknown = set(attacks) - set(ATTACKS)
    if unknown:
        raise ValueError(f'Unknown attack(s) {sorted(unknown)}; choose from '
                         f'{sorted(ATTACKS)}')
    batches = [(pixels[i:i + batch_size], labels[i:i + batch_size])
               for i in range(0, len(pixels), batch_size)]
    clean = 100 * sum(_correct(classifier, x, y) for x, y in batches) \
        / len(pixels)
    rows = []
    for attack in attacks:
        generator = torch.Generator().manual_seed(seed)
        for epsilon in epsilons:
            correct = 0
            for x, y in batches:
                kwargs = dict(generator=generator) if attack == 'pgd' else {}
                adversarial = ATTACKS[attack](classifier, x, y,
                                              epsilon / 255, **kwargs)
                correct += _correct(classifier, adversarial, y)
            row = dict(attack=attack, epsilon=epsilon, clean_top1=clean,
                       attacked_top1=100 * correct / len(pixels),
                       num_images=len(pixels))
            rows.append(row)
            if progress:
                progress(row)
    return rows
