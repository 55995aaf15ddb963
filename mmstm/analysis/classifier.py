"""A trained classifier (config + checkpoint) as a function of pixels."""
import torch
from torch import nn

from mmstm.checkpoint import DEFAULT_WEIGHTS
from mmstm.engine import load_for_evaluation

from .models import build_model, load_config


class PixelClassifier(nn.Module):
    """Logits of RGB images in [0, 1] ``(B, 3, H, W)``: the model's own
    normalisation (its data preprocessor's mean/std) is applied here, so
    perturbations and transforms are in pixel space."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        preprocessor = model.data_preprocessor
        if not getattr(preprocessor, '_enable_normalize', True):
            mean, std = torch.zeros(3, 1, 1), torch.ones(3, 1, 1)
        else:
            mean = preprocessor.mean.reshape(3, 1, 1).float()
            std = preprocessor.std.reshape(3, 1, 1).float()
        self.register_buffer('mean', mean / 255, persistent=False)
        self.register_buffer('std', std / 255, persistent=False)

    @property
    def device(self):
        return self.mean.device

    def normalize(self, pixels):
        return (pixels - self.mean) / self.std

    def forward(self, pixels):
        return self.model(self.normalize(pixels), mode='tensor')

    def stage_outputs(self, pixels):
        """The backbone's four stage outputs, whatever ``out_indices`` it
        was built with (for the receptive field; a stage without a norm of
        its own, e.g. the original Swin's, is returned un-normed)."""
        return self.model.backbone.forward_intermediates(
            self.normalize(pixels))


def load_classifier(config, checkpoint=None, device='cpu', cfg_options=None,
                    weights=DEFAULT_WEIGHTS):
    """Build the config's classifier, load ``checkpoint`` strictly (a
    mismatching file raises, naming the keys), in eval mode without
    gradients into its weights. ``weights``: of a checkpoint trained with
    EMA, the raw weights (the paper's analyses) or ``'ema'``; the entry
    loaded is the classifier's ``weights`` attribute."""
    cfg = load_config(config, cfg_options)
    model = build_model(cfg)
    loaded = 'random initialisation'
    if checkpoint:
        loaded = load_for_evaluation(model, checkpoint, weights)['weights']
    model.eval().requires_grad_(False)
    classifier = PixelClassifier(model).to(device)
    classifier.weights = loaded
    return classifier
