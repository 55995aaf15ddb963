"""Rendering of the demo images: shapes on textured, noisy backgrounds.

Shapes differ in form (not only colour): every object gets a random colour,
size, position and rotation, so a model must learn the outline to tell the
classes apart. Every shape is a polygon (or a polygon with a hole), so its
mask is exact in pixels and in COCO polygon form.
"""
import cv2
import numpy as np

SHAPE_NAMES = ('circle', 'square', 'triangle', 'star', 'cross', 'ring')


def _regular_polygon(num_vertices, radius, phase=0.):
    angles = phase + np.arange(num_vertices) * 2 * np.pi / num_vertices
    return np.stack([np.cos(angles), np.sin(angles)], 1) * radius


def _star(radius):
    outer = _regular_polygon(5, radius, -np.pi / 2)
    inner = _regular_polygon(5, radius * 0.42, -np.pi / 2 + np.pi / 5)
    return np.stack([outer, inner], 1).reshape(-1, 2)


def _cross(radius):
    a, b = radius, radius * 0.36
    return np.array([[-b, -a], [b, -a], [b, -b], [a, -b], [a, b], [b, b],
                     [b, a], [-b, a], [-b, b], [-a, b], [-a, -b], [-b, -b]])


def shape_contours(name, radius):
    """Outline(s) of ``name`` centred at 0: a list of (N, 2) float arrays;
    a second contour, if any, is a hole."""
    if name == 'circle':
        return [_regular_polygon(40, radius)]
    if name == 'square':
        return [_regular_polygon(4, radius, np.pi / 4)]
    if name == 'triangle':
        return [_regular_polygon(3, radius, -np.pi / 2)]
    if name == 'star':
        return [_star(radius)]
    if name == 'cross':
        return [_cross(radius)]
    if name == 'ring':
        return [_regular_polygon(40, radius),
                _regular_polygon(40, radius * 0.55)]
    raise KeyError(f'unknown shape {name!r}; known: {SHAPE_NAMES}')


def place(contours, center, angle):
    """Rotate by ``angle`` (radians) and move to ``center`` (x, y)."""
    rot = np.array([[np.cos(angle), -np.sin(angle)],
                    [np.sin(angle), np.cos(angle)]])
    return [c @ rot.T + np.asarray(center, dtype=np.float64) for c in contours]


def rasterize(contours, height, width):
    """Boolean mask of the placed contours (the second one is a hole)."""
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [np.round(contours[0]).astype(np.int32)], 1)
    for hole in contours[1:]:
        cv2.fillPoly(mask, [np.round(hole).astype(np.int32)], 0)
    return mask.astype(bool)


def textured_background(rng, height, width):
    """Smooth coloured blobs + stripes + pixel noise, uint8 RGB."""
    coarse = rng.uniform(60, 190, size=(4, 4, 3)).astype(np.float32)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    yy, xx = np.mgrid[0:height, 0:width]
    angle, period = rng.uniform(0, np.pi), rng.uniform(4, 12)
    stripes = np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * 2 * np.pi /
                     period)
    image += stripes[..., None] * rng.uniform(5, 20)
    image += rng.normal(0, 12, size=image.shape)
    return np.clip(image, 0, 255)


def object_colour(rng, background_mean):
    """A random colour far enough from the background to be seen."""
    while True:
        colour = rng.uniform(0, 255, size=3)
        if np.abs(colour - background_mean).mean() > 70:
            return colour


def draw_object(rng, image, mask):
    """Paint ``mask`` onto ``image`` with a random colour and some noise."""
    colour = object_colour(rng, image[mask].mean(0))
    noise = rng.normal(0, 10, size=(int(mask.sum()), 3))
    image[mask] = np.clip(colour + noise, 0, 255)


def random_object(rng, name, height, width, min_frac, max_frac):
    """Contours of ``name`` with a random size, rotation and position that
    keeps the whole shape inside the image."""
    radius = rng.uniform(min_frac, max_frac) * min(height, width) / 2
    cx = rng.uniform(radius, width - radius)
    cy = rng.uniform(radius, height - radius)
    return place(shape_contours(name, radius), (cx, cy),
                 rng.uniform(0, 2 * np.pi))
