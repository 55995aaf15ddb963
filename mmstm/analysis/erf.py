"""Effective receptive field, by RepLKNet's method as the paper used it.

For every image (resized to 448x448, no crop) and every stage: the stage
output at the central position, ReLU, summed over channels, is
back-propagated to the input; the ReLU of the input gradient, summed over
colour channels, is accumulated over the images."""
import numpy as np
import torch
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

ERF_SIZE = 448
THRESHOLDS = (0.2, 0.3, 0.5, 0.99)


def erf_view(image, size=ERF_SIZE):
    """Bicubic resize to ``size`` x ``size`` (no crop), values in [0, 1]."""
    return TF.resize(image, [size, size], InterpolationMode.BICUBIC,
                     antialias=True).clamp(0, 1)


def accumulate_erf(stage_outputs, images):
    """``stage_outputs``: pixels ``(1, 3, H, W)`` -> sequence of NCHW maps.
    ``images``: iterable of ``(3, H, W)`` pixel tensors. Returns an array
    ``(num_stages, H, W)`` of accumulated input-gradient contributions."""
    total = None
    for image in images:
        pixels = image[None].clone().requires_grad_(True)
        outputs = stage_outputs(pixels)
        maps = []
        for i, out in enumerate(outputs):
            centre = out[:, :, out.shape[2] // 2, out.shape[3] // 2]
            grad, = torch.autograd.grad(torch.relu(centre).sum(), pixels,
                                        retain_graph=i < len(outputs) - 1)
            maps.append(torch.relu(grad).sum(dim=(0, 1)))
        maps = torch.stack(maps).detach().cpu().double().numpy()
        total = maps if total is None else total + maps
    if total is None:
        raise ValueError('no images to accumulate the receptive field over')
    return total


def normalized_log(erf_map):
    """log10(x + 1) scaled to a maximum of 1 (the plotted quantity)."""
    data = np.log10(np.asarray(erf_map, dtype=np.float64) + 1)
    peak = data.max()
    return data / peak if peak > 0 else data


def high_contribution_area(erf_map, threshold):
    """Smallest centred square holding at least ``threshold`` of the
    (log-normalised) total: ``(side, area_ratio)`` with the area relative to
    the whole map."""
    data = normalized_log(erf_map)
    height, width = data.shape
    total = data.sum()
    cy, cx = height // 2, width // 2
    for radius in range(max(height, width) // 2 + 1):
        window = data[max(cy - radius, 0):cy + radius + 1,
                      max(cx - radius, 0):cx + radius + 1]
        if total == 0 or window.sum() >= threshold * total:
            side = 2 * radius + 1
            return side, min(side * side / (height * width), 1.0)
    return max(height, width), 1.0


def area_ratios(erf_maps, thresholds=THRESHOLDS):
    """``{'stage1': {'0.2': {'side': s, 'area_ratio': r}, ...}, ...}``."""
    return {
        f'stage{i + 1}': {
            str(t): dict(zip(('side', 'area_ratio'),
                             high_contribution_area(m, t)))
            for t in thresholds}
        for i, m in enumerate(erf_maps)}
