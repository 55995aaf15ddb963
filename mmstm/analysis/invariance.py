"""Invariance of predictions to translation, rotation and scale, against the
standard view (bicubic resize 256, centre crop 224)."""
import math

import numpy as np
import torch
import torch.nn.functional as F

from .images import CROP, center_crop, crop_at, resize_for, resize_shorter

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
    """The transformed views of one image at one strength (several for
    translation: one per direction, one at 0). Strengths are those of the
    224 view; for another ``crop`` the pixel shifts scale with it.
    ``resized``: the image already resized for the standard view, when the
    caller has it (it is the same for every strength)."""
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


@torch.no_grad()
def _predict(classifier, batch, device):
    return classifier(torch.stack(batch).to(device)).float().cpu()


def evaluate_invariance(classifier, samples, kinds=tuple(STRENGTHS),
                        strengths=None, batch_size=32, device='cpu',
                        progress=None, crop=CROP):
    """Rows ``dict(kind, strength, top1, top5, consistency, num_views)``
    (percentages): accuracy of the transformed views, and how often their
    top-1 equals the model's own top-1 on the standard view.

    ``samples``: ``[(image, label, path), ...]`` of :func:`load_samples`
    (labels may be None: accuracies are then None). ``strengths``
    overrides :data:`STRENGTHS` per kind; ``crop`` is the view size
    (224; smaller for models trained on smaller images)."""
    strengths = dict(STRENGTHS, **(strengths or {}))
    labels = [label for _, label, _ in samples]
    labelled = all(label is not None for label in labels)
    resized = [resize_shorter(image, resize_for(crop))
               for image, _, _ in samples]
    standard = torch.cat([
        _predict(classifier, [center_crop(r, crop)
                              for r in resized[i:i + batch_size]], device)
        for i in range(0, len(samples), batch_size)]).argmax(1)
    rows = []
    for kind in kinds:
        for strength in strengths[kind]:
            per_view = []  # (sample index, view) pairs
            for index, (image, _, _) in enumerate(samples):
                per_view += [(index, v) for v in views(
                    image, kind, strength, crop, resized[index])]
            logits = torch.cat([
                _predict(classifier,
                         [v for _, v in per_view[i:i + batch_size]],
                         device)
                for i in range(0, len(per_view), batch_size)])
            owners = torch.tensor([i for i, _ in per_view])
            top5 = logits.topk(min(5, logits.shape[1]), dim=1).indices
            row = dict(kind=kind, strength=strength, num_views=len(per_view),
                       consistency=100 * (top5[:, 0] == standard[owners])
                       .float().mean().item(), top1=None, top5=None)
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
