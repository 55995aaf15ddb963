"""Labelled image sets and the standard ImageNet views for the analyses.

Images are float tensors ``(3, H, W)`` of RGB values in [0, 1]; the model's
own normalisation is applied by :class:`PixelClassifier`, so that attacks
and geometric transforms act on pixels."""
import os
import os.path as osp
import warnings

import torch
import torchvision.transforms.functional as TF
from PIL import Image, UnidentifiedImageError
from torchvision.transforms import InterpolationMode

from mmstm.datasets.imagenet_variants import IMAGE_EXTENSIONS

RESIZE, CROP = 256, 224  # the standard view: bicubic resize 256, crop 224


def list_images(folder, ann_file=None):
    """``[(path, label), ...]``: from ``ann_file`` lines ``name label``
    (names relative to ``folder``), or every image under ``folder`` with
    label None when there is no annotation file."""
    if ann_file:
        samples = []
        with open(ann_file) as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                parts = line.split()
                if len(parts) != 2 or not parts[1].lstrip('-').isdigit():
                    raise ValueError(f'{ann_file}:{number}: expected '
                                     f'"<file> <label>", got {line.strip()!r}')
                samples.append((osp.join(folder, parts[0]), int(parts[1])))
        return samples
    paths = sorted(
        osp.join(root, name) for root, _, names in os.walk(folder)
        for name in names if name.lower().endswith(IMAGE_EXTENSIONS))
    if not paths:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_EXTENSIONS)}) '
                                f'under {folder}')
    return [(path, None) for path in paths]


def load_rgb(path):
    """``(3, H, W)`` float RGB in [0, 1]; grayscale and palette images are
    converted. Raises ``OSError`` naming the file if it cannot be decoded."""
    try:
        with Image.open(path) as image:
            image = image.convert('RGB')
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise OSError(f'cannot read image {path}: {error}') from error
    return TF.pil_to_tensor(image).float() / 255


def load_samples(samples):
    """Decode ``(path, label)`` pairs; unreadable files are skipped with a
    warning naming them. Returns ``[(image, label, path), ...]``."""
    loaded = []
    for path, label in samples:
        try:
            loaded.append((load_rgb(path), label, path))
        except OSError as error:
            warnings.warn(f'skipped: {error}')
    if not loaded:
        raise ValueError('none of the images could be read')
    return loaded


def resize_shorter(image, size):
    """Bicubic resize so that the shorter side is ``size`` (antialiased;
    clamped to [0, 1] since bicubic overshoots)."""
    height, width = image.shape[-2:]
    scale = size / min(height, width)
    new = (max(1, round(height * scale)), max(1, round(width * scale)))
    return TF.resize(image, list(new), InterpolationMode.BICUBIC,
                     antialias=True).clamp(0, 1)


def crop_at(image, center_y, center_x, size=CROP):
    """``size`` x ``size`` window centred at (``center_y``, ``center_x``);
    where it leaves the image it is zero."""
    height, width = image.shape[-2:]
    top, left = center_y - size // 2, center_x - size // 2
    pad = max(0, -top, -left, top + size - height, left + size - width)
    if pad:
        image = torch.nn.functional.pad(image, (pad, pad, pad, pad))
        top, left = top + pad, left + pad
    return image[..., top:top + size, left:left + size]


def center_crop(image, size=CROP):
    height, width = image.shape[-2:]
    return crop_at(image, height // 2, width // 2, size)


def resize_for(crop):
    """The shorter side the standard view resizes to before cropping
    ``crop``: 256 for 224, in proportion for other view sizes."""
    return round(crop * RESIZE / CROP)


def standard_view(image, crop=CROP):
    """Bicubic resize of the shorter side to 256, centre crop 224 (or the
    same proportions for another ``crop``)."""
    return center_crop(resize_shorter(image, resize_for(crop)), crop)
