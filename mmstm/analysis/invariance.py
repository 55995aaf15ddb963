"""Invariance of predictions to translation, rotation and scale, against the
standard view (bicubic resize 256, centre crop 224).

Two protocols. ``'paper'`` (the default) computes the views exactly as the
paper's evaluation code (:mod:`.paper_views`): one translation direction per
image, drawn from seven, with a window clipped at the border and re-centred
by symmetric zero padding; PIL resizing and rotation on the 8-bit image.
``'mmstm'`` measures the transformation itself: every image in all eight
directions as a true shift (zeros on the side the window leaves the image),
antialiased tensor resizing and ``grid_sample`` rotation; pick it to study
translation as such (the paper's padding partly undoes the shift, its
sampling sees 7 of 8 directions) or for views that do not round to 8 bits.
"""
import math
from contextlib import nullcontext

import numpy as np
import torch
import torch.nn.functional as F

from .images import CROP, center_crop, crop_at, resize_for, resize_shorter
from .paper_views import PaperViews, draw_modes

PROTOCOLS = ('paper', 'mmstm')

# the paper's strengths
STRENGTHS = {
    'translation': list(range(0, 65, 4)),  # px, in each of 8 directions
    'rotation_before_crop': list(range(0, 91, 5)),  # degrees
    'rotation_after_crop': list(range(0, 91, 5)),
    'scale': [round(0.2 + 0.125 * i, 3) for i in range(15)],  # crop ratio
}
DIRECTIONS = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
              if (dy, dx) != (0, 0)]


def rotate(image, degrees):
    """Rotate ``(3, H, W)`` about its centre, counter-clockwise, bicubic,
    zero outside (torchvision's tensor rotate has no bicubic mode)."""
    if not degrees:
        return image
    height, width = image.shape[-2:]
    angle = math.radians(degrees)
    cos, sin = math.cos(angle), math.sin(angle)
    # output pixel -> input pixel in centred pixel units, expressed in
    # grid_sample's normalised coordinates (x by W / 2, y by H / 2)
    theta = torch.tensor([[cos, -sin * height / width, 0],
                          [sin * width / height, cos, 0]],
                         dtype=image.dtype)[None]
    grid = F.affine_grid(theta, [1, 3, height, width], align_corners=False)
    rotated = F.grid_sample(image[None], grid, mode='bicubic',
                            padding_mode='zeros', align_corners=False)
    return rotated[0].clamp(0, 1)


def views(image, kind, strength, crop=CROP, resized=None):
    """The transformed views of one image at one strength under the
    ``'mmstm'`` protocol (several for translation: one per direction, one at
    0). Strengths are those of the 224 view; for another ``crop`` the pixel
    shifts scale with it. ``resized``: the image already resized for the
    standard view, when the caller has it (it is the same for every
    strength)."""
    if resized is None:
        resized = resize_shorter(image, resize_for(crop))
    if kind == 'translation':
        shift = round(strength * crop / CROP)
        cy, cx = resized.shape[1] // 2, resized.shape[2] // 2
        offsets = DIRECTIONS if strength else [(0, 0)]
        return [crop_at(resized, cy + dy * shift, cx + dx * shift, crop)
                for dy, dx in offsets]
    if kind == 'rotation_before_crop':
        return [center_crop(rotate(resized, strength), crop)]
    if kind == 'rotation_after_crop':
        return [rotate(center_crop(resized, crop), strength)]
    if kind == 'scale':
        # crop ratio r: resize to 224 / r, centre crop 224 (zero padding
        # when the resized image is smaller); r = 0.875 is the standard view
        return [center_crop(resize_shorter(image, round(crop / strength)),
                            crop)]
    raise ValueError(f'Unknown invariance "{kind}"; choose one of '
                     f'{sorted(STRENGTHS)}')


def paper_protocol_views(views_of_image, kind, strength, crop=CROP, mode=0):
    """The one view of the ``'paper'`` protocol (``views_of_image``: the
    image's :class:`PaperViews`; ``mode``: its drawn translation direction).
    """
    if kind == 'translation':
        return [views_of_image.translation(round(strength * crop / CROP),
                                           mode)]
    if kind in ('rotation_before_crop', 'rotation_after_crop'):
        return [views_of_image.rotation(
            strength, before_crop=kind == 'rotation_before_crop')]
    if kind == 'scale':
        return [views_of_image.scale(strength)]
    raise ValueError(f'Unknown invariance "{kind}"; choose one of '
                     f'{sorted(STRENGTHS)}')


class _Protocol:
    """The standard view and the transformed views of every sample."""

    def __init__(self, name, samples, crop, translations, seed):
        if name not in PROTOCOLS:
            raise ValueError(f'Unknown invariance protocol "{name}"; choose '
                             f'one of {PROTOCOLS}')
        self.name, self.crop = name, crop
        if name == 'paper':
            self.images = [PaperViews(image, crop) for image, _, _ in samples]
            self.modes = draw_modes(len(samples), len(translations), seed)
            self.translations = list(translations)
        else:
            self.images = [(image, resize_shorter(image, resize_for(crop)))
                           for image, _, _ in samples]

    def standard(self, index):
        if self.name == 'paper':
            return self.images[index].standard()
        return center_crop(self.images[index][1], self.crop)

    def views(self, index, kind, strength):
        if self.name == 'mmstm':
            image, resized = self.images[index]
            return views(image, kind, strength, self.crop, resized)
        mode = 0
        if kind == 'translation':
            mode = self.modes[index, self.translations.index(strength)]
        return paper_protocol_views(self.images[index], kind, strength,
                                    self.crop, mode)


@torch.no_grad()
def _predict(classifier, batch, device, amp):
    pixels = torch.stack(batch).to(device)
    autocast = torch.autocast('cuda') if amp else nullcontext()
    with autocast:
        return classifier(pixels).float().cpu()


def evaluate_invariance(classifier, samples, kinds=tuple(STRENGTHS),
                        strengths=None, batch_size=32, device='cpu',
                        progress=None, crop=CROP, protocol='paper', seed=0,
                        amp=None):
    """Rows ``dict(kind, strength, top1, top5, consistency, num_views,
    protocol)`` (percentages): accuracy of the transformed views, and how
    often their top-1 equals the model's own top-1 on the standard view.

    ``samples``: ``[(image, label, path), ...]`` of :func:`load_samples`
    (labels may be None: accuracies are then None). ``strengths``
    overrides :data:`STRENGTHS` per kind; ``crop`` is the view size
    (224; smaller for models trained on smaller images). ``protocol``:
    ``'paper'`` or ``'mmstm'`` (see the module); ``seed`` draws the paper's
    translation directions. ``amp``: CUDA autocast (float16) as the paper's
    runs; None means on CUDA, float32 elsewhere."""
    strengths = dict(STRENGTHS, **(strengths or {}))
    amp = str(device).startswith('cuda') if amp is None else amp
    views_of = _Protocol(protocol, samples, crop, strengths['translation'],
                         seed)
    labels = [label for _, label, _ in samples]
    labelled = all(label is not None for label in labels)
    standard = torch.cat([
        _predict(classifier, [views_of.standard(j) for j in range(
            i, min(i + batch_size, len(samples)))], device, amp)
        for i in range(0, len(samples), batch_size)]).argmax(1)
    rows = []
    for kind in kinds:
        for strength in strengths[kind]:
            per_view = []  # (sample index, view) pairs
            for index in range(len(samples)):
                per_view += [(index, v)
                             for v in views_of.views(index, kind, strength)]
            logits = torch.cat([
                _predict(classifier,
                         [v for _, v in per_view[i:i + batch_size]],
                         device, amp)
                for i in range(0, len(per_view), batch_size)])
            owners = torch.tensor([i for i, _ in per_view])
            top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
            agrees = (top5[:, 0] == standard[owners]).float()
            row = dict(kind=kind, strength=strength, protocol=protocol,
                       num_views=len(per_view),
                       consistency=100 * agrees.mean().item(),
                       top1=None, top5=None)
            if labelled:
                target = torch.tensor(labels)[owners]
                hits = (top5[:, 0] == target).float()
                row['top1'] = 100 * hits.mean().item()
                row['top5'] = 100 * (top5 == target[:, None]).any(1) \
                    .float().mean().item()
            rows.append(row)
            if progress:
                progress(row)
    return rows


def mean_consistency(rows):
    """Mean consistency per kind (one number per invariance)."""
    kinds = dict.fromkeys(r['kind'] for r in rows)
    return {kind: float(np.mean([r['consistency'] for r in rows
                                 if r['kind'] == kind])) for kind in kinds}
