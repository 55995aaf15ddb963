"""The invariance views of the paper's evaluation code, computed as it
computes them: on the 8-bit image with PIL through torchvision (bicubic
resize of the shorter side to ``int(crop / 0.875)``, PIL bicubic rotation
with black corners, torchvision's centre crop), and a translated window that
is clipped at the image border and zero-padded symmetrically, which moves
the content back towards the centre of the view. One direction per image,
drawn at random from seven: the official code draws ``randint(7)`` over
eight listed directions, so the eighth never occurs.

Views are float RGB ``(3, crop, crop)`` in [0, 1], before normalisation.
"""
import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from torchvision.transforms import InterpolationMode

CROP_RATIO = 0.875  # the standard view's crop / resize
BICUBIC = InterpolationMode.BICUBIC
# where the window's centre moves, (rows, columns), numbered as the
# official code numbers its modes: down, right, up, left, down-right,
# up-right, up-left, down-left
MODES = ((1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, 1), (-1, -1), (1, -1))
DRAWN_MODES = 7


def draw_modes(num_images, num_strengths, seed=0):
    """The direction mode of every (image, strength): the sequence a
    single-process official run seeded with ``seed`` draws (image after
    image, each over all its strengths)."""
    return np.random.RandomState(seed).randint(
        DRAWN_MODES, size=(num_images, num_strengths))


def _pixels(pil_image):
    return TF.pil_to_tensor(pil_image).float() / 255


class PaperViews:
    """The views of one image (float RGB ``(3, H, W)`` in [0, 1] on the
    1/255 grid, as :func:`mmstm.analysis.images.load_rgb` reads it)."""

    def __init__(self, image, crop=224):
        self.crop = crop
        eight_bit = (image * 255).round().clamp(0, 255).to(torch.uint8)
        self.image = TF.to_pil_image(eight_bit)
        self.resized = TF.resize(self.image, int(crop / CROP_RATIO), BICUBIC)
        self._resized_pixels = None

    def standard(self):
        return _pixels(TF.center_crop(self.resized, self.crop))

    def translation(self, shift, mode):
        """The window centred ``shift`` px from the centre in direction
        ``mode`` (see :data:`MODES`)."""
        if self._resized_pixels is None:
            self._resized_pixels = _pixels(self.resized)
        image = self._resized_pixels
        height, width = image.shape[-2:]
        down, right = MODES[mode]
        center_y, center_x = height // 2 + down * shift, \
            width // 2 + right * shift
        half = self.crop // 2
        window = image[:, max(center_y - half, 0):min(center_y + half, height),
                       max(center_x - half, 0):min(center_x + half, width)]
        missing_h = max(self.crop - window.shape[1], 0)
        missing_w = max(self.crop - window.shape[2], 0)
        return F.pad(window, (missing_w // 2, (missing_w + 1) // 2,
                              missing_h // 2, (missing_h + 1) // 2))

    def rotation(self, degrees, before_crop):
        """Rotated counter-clockwise by ``degrees`` before or after the
        centre crop."""
        if before_crop:
            return _pixels(TF.center_crop(
                TF.rotate(self.resized, degrees, BICUBIC), self.crop))
        return _pixels(TF.rotate(TF.center_crop(self.resized, self.crop),
                                 degrees, BICUBIC))

    def scale(self, ratio):
        """Shorter side resized to ``int(crop / ratio)``, centre crop
        (zero-padded when smaller): ``ratio`` 0.875 is the standard view."""
        resized = TF.resize(self.image, int(self.crop / ratio), BICUBIC)
        return _pixels(TF.center_crop(resized, self.crop))
